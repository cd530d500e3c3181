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

/// The entry names `directory_tail` finds in the last `tail_len` bytes.
fn names_in_tail(zip: &[u8], tail_len: usize) -> Option<Vec<String>> {
    let tail = &zip[zip.len() - tail_len..];
    let dir = find_directory(tail, zip.len() as u64).unwrap();
    let found = directory_tail(tail, (zip.len() - tail_len) as u64, &dir)?;
    Some(found.into_iter().map(|e| e.name).collect())
}

#[test]
fn the_last_entries_are_read_from_a_tail_without_the_directory_start() {
    let names: Vec<String> = (0..2000).map(|i| format!("demo/module_{i:05}.py")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), b"x".as_slice())).collect();
    let zip = zip_of(&entries, SimpleFileOptions::default(), |_| {});
    let found = names_in_tail(&zip, 4096).unwrap();
    assert!(found.len() > 20 && found.len() < 2000, "{}", found.len());
    assert_eq!(found, names[2000 - found.len()..]);
    // A tail holding the whole directory is parsed whole instead.
    assert_eq!(names_in_tail(&zip, zip.len()), None);
}

#[test]
fn signature_bytes_in_a_name_do_not_make_up_entries() {
    // A name holding a whole fake central directory header whose name runs
    // exactly to the end of the real name: its chain joins the real one.
    let mut fake = Vec::from(*b"PK\x01\x02");
    fake.resize(46, 0);
    fake[28] = 40; // its name length
    fake.extend_from_slice(&[b'a'; 40]);
    let trick = format!("demo/trick_{}", String::from_utf8(fake).unwrap());
    // A bare signature followed by garbage: its chain goes nowhere.
    let bare = "demo/PK\x01\x02_and_then_some_more_name_bytes_to_fill_a_header.py".to_string();
    let mut names: Vec<String> = (0..300).map(|i| format!("demo/module_{i:05}.py")).collect();
    names.extend([trick, "demo/after.py".to_string(), bare, "demo-1.0.dist-info/RECORD".to_string()]);
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), b"x".as_slice())).collect();
    let zip = zip_of(&entries, SimpleFileOptions::default(), |_| {});
    let dir = find_directory(&zip, zip.len() as u64).unwrap();
    let trick_name = zip[dir.offset as usize..].windows(11).position(|w| w == b"demo/trick_").unwrap();
    let trick_at = zip.len() - (dir.offset as usize + trick_name - 46);
    let fake_at = trick_at - 46 - 11;
    for tail_len in (300..3000).step_by(7) {
        let Some(found) = names_in_tail(&zip, tail_len) else { continue };
        let real = &names[names.len() - found.len()..];
        if tail_len >= trick_at || tail_len < fake_at {
            assert_eq!(found, real, "from a {tail_len}-byte tail");
        } else {
            // The tail starts inside the trick entry, before its fake header:
            // nothing tells them apart, but the fake entry's local header
            // (the first entry's, at offset 0) names another file.
            assert_eq!((&found[0], &found[1..]), (&"a".repeat(40), &real[1..]), "{tail_len}");
            let fake = directory_tail(&zip[zip.len() - tail_len..], (zip.len() - tail_len) as u64, &dir);
            let err = local_header_len(&zip, &fake.unwrap()[0]).unwrap_err();
            assert!(format!("{err}").contains("is not aaaa"), "{err}");
        }
    }
    // From a tail holding all entries but the first, the fake chain and the
    // real one both lead to the end: only the entries where they agree count.
    let found = names_in_tail(&zip, zip.len() - dir.offset as usize - 1).unwrap();
    assert_eq!(found, names[names.len() - 3..]);
}
