//! Tests of the zip tail reader on real zips written here by the zip crate:
//! plain, commented, ZIP64, stored and deflated, read from their tails only,
//! and truncated or garbled.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::*;

const METADATA: &str = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: six\n";

fn zip_of(
    entries: &[(&str, &[u8])],
    options: SimpleFileOptions,
    finish: impl FnOnce(&mut ZipWriter<Cursor<Vec<u8>>>),
) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    finish(&mut zip);
    zip.finish().unwrap().into_inner()
}

fn wheel(options: SimpleFileOptions) -> Vec<u8> {
    let entries: [(&str, &[u8]); 3] = [
        ("demo/__init__.py", b"print('hello')\n".as_slice()),
        ("demo-1.0.dist-info/METADATA", METADATA.as_bytes()),
        ("demo-1.0.dist-info/RECORD", b"".as_slice()),
    ];
    zip_of(&entries, options, |_| {})
}

/// Reads `name` from `zip` the way the range reader does, from slices only.
fn read_entry(zip: &[u8], tail_len: usize, name: &str) -> Vec<u8> {
    let tail = &zip[zip.len().saturating_sub(tail_len)..];
    let dir = find_directory(tail, zip.len() as u64).unwrap();
    let cd = &zip[dir.offset as usize..(dir.offset + dir.size) as usize];
    let entries = parse_directory(cd, &dir).unwrap();
    let entry = entries.iter().find(|e| e.name == name).unwrap();
    let local = &zip[entry.local_offset as usize..];
    let header = local_header_len(local, entry).unwrap() as usize;
    decompress(entry, &local[header..header + entry.compressed_size as usize], 1 << 20).unwrap()
}

#[test]
fn reads_an_entry_of_a_deflated_and_a_stored_zip() {
    for method in [CompressionMethod::Deflated, CompressionMethod::Stored] {
        let zip = wheel(SimpleFileOptions::default().compression_method(method));
        let dir = find_directory(&zip, zip.len() as u64).unwrap();
        assert_eq!(dir.entries, 3);
        let cd = &zip[dir.offset as usize..(dir.offset + dir.size) as usize];
        let names: Vec<String> = parse_directory(cd, &dir).unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["demo/__init__.py", "demo-1.0.dist-info/METADATA", "demo-1.0.dist-info/RECORD"]);
        assert_eq!(
            read_entry(&zip, zip.len(), "demo-1.0.dist-info/METADATA"),
            METADATA.as_bytes(),
            "{method:?}"
        );
    }
}

#[test]
fn the_directory_is_found_from_a_short_tail_and_behind_a_comment() {
    let entries: [(&str, &[u8]); 2] =
        [("big.bin", &[7u8; 5000]), ("demo-1.0.dist-info/METADATA", METADATA.as_bytes())];
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let zip = zip_of(&entries, stored, |z| z.set_comment("a comment\u{0}with PK\u{5}\u{6} inside"));
    let whole = find_directory(&zip, zip.len() as u64).unwrap();
    // Only the last 100 bytes: the directory starts before them, and is still located.
    let from_tail = find_directory(&zip[zip.len() - 100..], zip.len() as u64).unwrap();
    assert_eq!(whole, from_tail);
    assert!(whole.offset > 5000 && whole.offset + whole.size < zip.len() as u64);
    assert!(whole.offset < zip.len() as u64 - 100, "the directory starts before the tail");
    assert_eq!(read_entry(&zip, 100, "demo-1.0.dist-info/METADATA"), METADATA.as_bytes());
}

#[test]
fn zip64_end_records_and_extra_fields_are_read() {
    let options = SimpleFileOptions::default().large_file(true);
    let entries: [(&str, &[u8]); 2] =
        [("demo/__init__.py", b"x = 1\n"), ("demo-1.0.dist-info/METADATA", METADATA.as_bytes())];
    // A ZIP64 comment makes the writer emit the ZIP64 end record and locator.
    let zip = zip_of(&entries, options, |z| z.set_zip64_comment(Some("zip64")));
    let eocd = zip.len() - EOCD_LEN;
    assert_eq!(u32_at(&zip, eocd - ZIP64_LOCATOR_LEN), ZIP64_LOCATOR_SIG, "the zip has a ZIP64 locator");
    let dir = find_directory(&zip, zip.len() as u64).unwrap();
    assert_eq!(dir.entries, 2);
    let cd = &zip[dir.offset as usize..(dir.offset + dir.size) as usize];
    let entries = parse_directory(cd, &dir).unwrap();
    assert_eq!(entries[1].uncompressed_size, METADATA.len() as u64);
    assert_eq!(read_entry(&zip, 1000, "demo-1.0.dist-info/METADATA"), METADATA.as_bytes());
    // large_file puts the sizes in the ZIP64 extra field, the 32-bit ones saturated.
    assert_eq!(u32_at(cd, 20), 0xFFFF_FFFF, "the central directory's compressed size is saturated");
}

#[test]
fn a_truncated_or_garbled_tail_is_an_error() {
    let zip = wheel(SimpleFileOptions::default());
    let cut = &zip[..zip.len() - 5];
    let err = find_directory(cut, cut.len() as u64).unwrap_err().to_string();
    assert!(err.contains("no End Of Central Directory record"), "{err}");
    let err = find_directory(b"PK", 2).unwrap_err().to_string();
    assert!(err.contains("too short"), "{err}");

    let dir = find_directory(&zip, zip.len() as u64).unwrap();
    let mut cd = zip[dir.offset as usize..(dir.offset + dir.size) as usize].to_vec();
    cd[0] = b'X';
    let err = parse_directory(&cd, &dir).unwrap_err().to_string();
    assert!(err.contains("garbled at offset"), "{err}");
    let cd = &zip[dir.offset as usize..(dir.offset + dir.size - 10) as usize];
    let err = parse_directory(cd, &dir).unwrap_err().to_string();
    assert!(err.contains("cut off"), "{err}");

    // An end record pointing past itself.
    let mut bad = zip.clone();
    let at = bad.len() - EOCD_LEN + 16;
    bad[at..at + 4].copy_from_slice(&(zip.len() as u32).to_le_bytes());
    let err = find_directory(&bad, bad.len() as u64).unwrap_err().to_string();
    assert!(err.contains("runs past its end record"), "{err}");
}

#[test]
fn a_corrupt_deflate_stream_or_a_wrong_size_is_an_error() {
    let zip = wheel(SimpleFileOptions::default().compression_method(CompressionMethod::Deflated));
    let dir = find_directory(&zip, zip.len() as u64).unwrap();
    let entries = parse_directory(&zip[dir.offset as usize..(dir.offset + dir.size) as usize], &dir).unwrap();
    let entry = &entries[1];
    let local = &zip[entry.local_offset as usize..];
    let header = local_header_len(local, entry).unwrap() as usize;
    let data = &local[header..header + entry.compressed_size as usize];
    let err = format!("{:#}", decompress(entry, &data[..data.len() / 2], 1 << 20).unwrap_err());
    assert!(err.contains("demo-1.0.dist-info/METADATA"), "{err}");
    let err = local_header_len(&zip[entry.local_offset as usize + 1..], entry).unwrap_err().to_string();
    assert!(err.contains("no local file header"), "{err}");
    let mut odd = entry.clone();
    odd.method = 12;
    assert!(decompress(&odd, data, 1 << 20).unwrap_err().to_string().contains("compression method 12"));
}
