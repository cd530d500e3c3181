//! Tests of the streamed full download over in-memory bodies: zips built
//! here entry by entry (with or without data descriptors, METADATA early or
//! last), bodies that are no zip, truncated or broken off.

use std::io::{self, Read, Write};

use flate2::write::DeflateEncoder;
use flate2::Compression;

use super::*;

const URL: &str = "http://127.0.0.1:9/files/demo-1.0-py3-none-any.whl";
const METADATA: &str = "Metadata-Version: 2.4\nName: demo\nVersion: 1.0\nRequires-Dist: six\n\
                        Description: one\n  two\n\nbody\n";

/// One entry: name, contents, deflated or stored, with a data descriptor.
struct Put<'a>(&'a str, &'a [u8], bool, bool);

/// A zip written by hand, so entries can have data descriptors (flag bit 3,
/// sizes and CRC after the data) as streaming zip writers make them.
fn zip_of(entries: &[Put<'_>]) -> Vec<u8> {
    let (mut out, mut central, mut count) = (Vec::new(), Vec::new(), 0u16);
    for Put(name, data, deflate, descriptor) in entries {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let body = if *deflate {
            let mut enc = DeflateEncoder::new(Vec::new(), Compression::default());
            enc.write_all(data).unwrap();
            enc.finish().unwrap()
        } else {
            data.to_vec()
        };
        let (flags, method) = (if *descriptor { 8u16 } else { 0 }, if *deflate { 8u16 } else { 0 });
        let sizes = [crc.sum(), body.len() as u32, data.len() as u32];
        let offset = out.len() as u32;
        let head = |sig: u32, out: &mut Vec<u8>, hide: bool| {
            out.extend(sig.to_le_bytes());
            if sig == 0x0201_4b50 {
                out.extend(20u16.to_le_bytes());
            }
            for v in [20u16, flags, method, 0, 0x21] {
                out.extend(v.to_le_bytes());
            }
            for v in sizes {
                out.extend((if hide { 0 } else { v }).to_le_bytes());
            }
            out.extend((name.len() as u16).to_le_bytes());
            out.extend(0u16.to_le_bytes());
        };
        head(0x0403_4b50, &mut out, *descriptor);
        out.extend(name.as_bytes());
        out.extend(&body);
        if *descriptor {
            out.extend(0x0807_4b50u32.to_le_bytes());
            sizes.iter().for_each(|v| out.extend(v.to_le_bytes()));
        }
        head(0x0201_4b50, &mut central, false);
        central.extend([0u8; 10]); // comment length, disk, internal and external attributes
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
        count += 1;
    }
    let (cd_offset, cd_size) = (out.len() as u32, central.len() as u32);
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend([count, count].iter().flat_map(|c| c.to_le_bytes()));
    out.extend(cd_size.to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend([0u8; 2]);
    out
}

/// 1 MiB of bytes deflate cannot shrink.
fn noise() -> Vec<u8> {
    crate::test_bytes::noise(1024 * 1024, 0x9e37_79b9_7f4a_7c15)
}

fn read_all(bytes: &[u8]) -> Result<Streamed> {
    read(bytes, URL, Some(bytes.len() as u64))
}

fn assert_demo(meta: &CoreMetadata) {
    assert_eq!((meta.name.as_str(), meta.version.as_str()), ("demo", "1.0"));
    assert_eq!(
        (meta.metadata_version.as_str(), meta.requires_dist.as_slice()),
        ("2.4", ["six".into()].as_slice())
    );
}

#[test]
fn metadata_before_the_data_stops_the_download_early() {
    let noise = noise();
    for (deflate, descriptor) in [(true, false), (false, false), (true, true)] {
        let zip = zip_of(&[
            Put("demo/__init__.py", b"", deflate, descriptor),
            Put("demo-1.0.dist-info/METADATA", METADATA.as_bytes(), deflate, descriptor),
            Put("demo/blob.bin", &noise, deflate, descriptor),
            Put("demo-1.0.dist-info/RECORD", b"", deflate, descriptor),
        ]);
        let got = read_all(&zip).unwrap();
        assert_demo(&got.meta);
        assert!(got.bytes <= 2 * BUFFER as u64, "{} of {} bytes", got.bytes, zip.len());
    }
}

#[test]
fn metadata_last_reads_the_whole_file_and_so_does_a_short_rest() {
    let noise = noise();
    let zip = zip_of(&[
        Put("demo/blob.bin", &noise, true, false),
        Put("demo-1.0.dist-info/METADATA", METADATA.as_bytes(), true, false),
        Put("demo-1.0.dist-info/RECORD", b"", true, false),
    ]);
    let got = read_all(&zip).unwrap();
    assert_demo(&got.meta);
    assert_eq!(got.bytes, zip.len() as u64);
}

#[test]
fn deflated_entries_with_descriptors_are_skipped_by_their_deflate_stream() {
    let noise = noise();
    let zip = zip_of(&[
        Put("demo/blob.bin", &noise, true, true),
        Put("demo/__init__.py", b"x = 1\n", true, true),
        Put("demo-1.0.dist-info/METADATA", METADATA.as_bytes(), true, true),
        Put("demo/late.bin", &noise, true, true),
    ]);
    let got = read_all(&zip).unwrap();
    assert_demo(&got.meta);
    assert!(got.bytes < zip.len() as u64 - 900 * 1024, "{} of {} bytes", got.bytes, zip.len());
}

#[test]
fn where_the_local_headers_cannot_be_trusted_the_whole_file_is_read() {
    let noise = noise();
    let other = METADATA.replace("Name: demo", "Name: other");
    let cases: [(&str, Vec<Put<'_>>); 3] = [
        // A stored entry with a descriptor has no knowable end.
        ("stored with a descriptor", vec![Put("demo/blob.bin", &noise[..1000], false, true)]),
        // A second folder, not the wheel's, comes first: not METADATA.
        ("another folder", vec![Put("other-1.0.dist-info/METADATA", other.as_bytes(), false, false)]),
        ("nothing odd", vec![]),
    ];
    for (what, mut entries) in cases {
        let name_mismatch = what == "nothing odd";
        let text = if name_mismatch { other.as_bytes() } else { METADATA.as_bytes() };
        entries.push(Put("demo-1.0.dist-info/METADATA", text, true, false));
        entries.push(Put("demo/late.bin", &noise, false, false));
        let zip = zip_of(&entries);
        match read_all(&zip) {
            // The central directory's read is the authority: two folders are an error.
            Err(err) => {
                assert!(what == "another folder" && format!("{err:#}").contains("several"), "{err:#}")
            }
            Ok(got) => {
                assert_eq!(got.bytes, zip.len() as u64, "{what}: no early stop");
                let name = if name_mismatch { "other" } else { "demo" };
                assert_eq!(got.meta.name, name, "{what}");
            }
        }
    }
}

#[test]
fn a_metadata_entry_whose_crc_is_wrong_is_not_believed() {
    let mut zip = zip_of(&[
        Put("demo-1.0.dist-info/METADATA", METADATA.as_bytes(), false, false),
        Put("demo/late.bin", &noise(), false, false),
    ]);
    let at = zip.windows(7).position(|w| w == b"Name: d").unwrap();
    zip[at + 6] = b'e'; // "Name: demo" becomes "Name: eemo", the CRC no longer fits
    let err = format!("{:#}", read_all(&zip).unwrap_err());
    assert!(err.starts_with(URL) && err.contains("METADATA"), "{err}");
}

#[test]
fn a_body_that_is_no_zip_truncated_or_broken_off_is_an_error_naming_the_url() {
    // Not read to its end: the first bytes say enough.
    let page = format!("<html>rate limited{}</html>", " ".repeat(10 * 1024 * 1024));
    let mut body = io::Cursor::new(page.as_bytes());
    let err = format!("{:#}", read(&mut body, URL, None).unwrap_err());
    assert_eq!(
        err,
        format!("{URL} is not a wheel (not a zip file): its body starts with \"<html>rate limit\"")
    );
    assert!(body.position() <= BUFFER as u64, "{} bytes read", body.position());

    let noise = noise();
    let zip = zip_of(&[
        Put("demo/blob.bin", &noise, true, false),
        Put("demo-1.0.dist-info/METADATA", METADATA.as_bytes(), true, false),
    ]);
    let err = format!("{:#}", read_all(&zip[..zip.len() / 2]).unwrap_err());
    assert!(err.starts_with(&format!("{URL} is not a wheel")), "{err}");

    /// Gives `n` bytes, then fails as a dropped connection does.
    struct Broken<'a>(&'a [u8]);
    impl Read for Broken<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::new(io::ErrorKind::ConnectionReset, "connection reset"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let err = format!("{:#}", read(Broken(&zip[..300 * 1024]), URL, None).unwrap_err());
    assert!(err.starts_with(URL) && err.contains("broke off") && err.contains("connection reset"), "{err}");
}

#[test]
fn a_zip64_local_header_is_read() {
    let mut zip = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().large_file(true);
    for (name, data) in
        [("demo-1.0.dist-info/METADATA", METADATA.as_bytes()), ("demo/blob.bin", &noise()[..])]
    {
        zip.start_file(name, options).unwrap();
        zip.write_all(data).unwrap();
    }
    let zip = zip.finish().unwrap().into_inner();
    let got = read_all(&zip).unwrap();
    assert_demo(&got.meta);
    assert!(got.bytes < zip.len() as u64 / 4, "{} of {} bytes", got.bytes, zip.len());
}

#[test]
fn a_big_body_spills_to_a_file_not_to_memory() {
    let mut spill = Spill::default();
    let chunk = vec![7u8; 1024 * 1024];
    for _ in 0..5 {
        spill.write_all(&chunk).unwrap();
        assert!(spill.memory.len() <= SPILL_IN_MEMORY);
    }
    assert_eq!(spill.len, 5 * 1024 * 1024);
    let Spilled::File(mut file) = spill.into_reader().unwrap() else { panic!("5 MiB stayed in memory") };
    let mut back = Vec::new();
    file.read_to_end(&mut back).unwrap();
    assert!(back.len() == 5 * 1024 * 1024 && back.iter().all(|&b| b == 7));
}
