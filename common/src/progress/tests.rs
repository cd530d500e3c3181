//! Tests of a stage's counters and of the records they become.

use super::*;

fn forward() -> StageProgress {
    StageProgress::new("wheel-fetch", Role::Forward)
}

fn progress(record: Option<Record>) -> ProgressRecord {
    match record {
        Some(Record::Progress(p)) => p,
        other => panic!("not a progress record: {other:?}"),
    }
}

#[test]
fn bytes_count_once_however_often_a_transfer_starts_over() {
    let p = forward();
    p.expect(2, Some(300));
    let a = p.begin("a.whl", Some(100));
    a.add(60);
    a.restart();
    a.add(80);
    let r = progress(p.record());
    assert_eq!((r.done, r.total, r.bytes_done, r.bytes_total), (0, Some(2), 80, Some(300)));
    assert_eq!(r.active, ["a.whl"]);
    a.done(100);
    // A cached file counts all its bytes at once.
    p.begin("b.whl", Some(200)).done(200);
    let r = progress(p.last_record());
    assert_eq!((r.done, r.bytes_done, r.bytes_total), (2, 300, Some(300)));
    assert!(r.finished && r.active.is_empty(), "{r:?}");
}

#[test]
fn records_are_rate_limited_and_only_sent_after_a_change() {
    let p = forward();
    assert!(p.record().is_none(), "nothing changed yet");
    p.expect(1, None);
    assert!(p.record().is_some());
    p.expect(1, None);
    assert!(p.record().is_none(), "too soon after the last one");
    std::thread::sleep(INTERVAL);
    let r = progress(p.record());
    assert_eq!((r.total, r.bytes_total), (Some(2), None));
    assert!(p.record().is_none(), "nothing new");
}

#[test]
fn a_late_size_counts_and_a_failed_item_leaves_the_active_list() {
    let p = forward();
    p.expect(1, None);
    let item = p.begin("x.whl", None);
    item.sized(50);
    item.add(20);
    drop(item);
    let r = progress(p.last_record());
    assert_eq!((r.done, r.bytes_done, r.bytes_total), (0, 20, Some(50)));
    assert!(r.active.is_empty());
}

#[test]
fn the_last_stage_consumes_upstream_progress_and_a_middle_one_passes_it_on() {
    let line = r#"{"type":"progress","tool":"wheel-fetch","done":1,"total":2,"bytes_done":5}"#;
    let last = StageProgress::new("wheel-unpack", Role::Silent);
    assert!(last.upstream(line, |_| {}));
    assert!(!last.upstream(r#"{"type":"note","progress":1}"#, |_| {}), "other records pass");
    assert!(last.record().is_none() && last.last_record().is_none(), "the last stage writes none");
    assert!(!forward().upstream(line, |_| {}));
}

#[test]
fn while_the_input_is_open_the_total_follows_an_upstream_counting_the_same_unit() {
    let p = StageProgress::counting("wheel-build", "wheels", Role::Forward);
    let fetch = |total: u64| {
        format!(r#"{{"type":"progress","tool":"wheel-fetch","done":1,"total":{total},"unit":"wheels"}}"#)
    };
    let resolve =
        r#"{"type":"progress","tool":"wheel-resolve","done":9,"total":58,"unit":"pages and metadata"}"#;
    p.input_open(true);
    p.expect(2, None);
    // Another unit counts other things: wheel-resolve's 58 do not count.
    assert!(!p.upstream(&fetch(14), |_| {}) && !p.upstream(resolve, |_| {}), "a middle stage passes them on");
    p.begin("a.whl", None).done(0);
    // 1 of 2 received so far, but 14 are coming: the bar is not full.
    assert_eq!(progress(p.record()).total, Some(14));
    p.input_open(false);
    let last = progress(p.last_record());
    assert_eq!((last.done, last.total, last.unit.as_deref()), (1, Some(2), Some("wheels")), "{last:?}");
}

#[test]
fn a_drawing_stage_prints_upstream_messages_and_a_middle_one_passes_them_on() {
    let line = r#"{"type":"message","tool":"wheel-resolve","level":"error","text":"boom"}"#;
    let mut relayed = None;
    assert!(
        StageProgress::new("wheel-unpack", Role::Silent).upstream(line, |m| relayed = Some(m.text.clone()))
    );
    assert_eq!(relayed.as_deref(), Some("boom"), "handed to the console");
    assert!(!forward().upstream(line, |_| {}));
}
