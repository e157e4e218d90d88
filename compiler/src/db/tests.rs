//! What an edit re-checks: the database logs which queries run.

use std::sync::{Arc, Mutex};

use salsa::Setter;

use super::*;

/// A database that records the name of every query it executes.
fn logging() -> (Database, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    let db = Database {
        storage: salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind {
                let name = format!("{database_key:?}");
                let name = name.split('(').next().unwrap_or_default().to_string();
                sink.lock().unwrap().push(name);
            }
        }))),
    };
    (db, log)
}

fn ran(log: &Mutex<Vec<String>>, query: &str) -> usize {
    let mut log = log.lock().unwrap();
    let n = log.iter().filter(|q| q.as_str() == query).count();
    log.clear();
    n
}

const EVENTS: &str = "event order_completed retain 90d {\n  total: decimal\n}\n\
trait spend = sum(order_completed.total, 30d)\n";
const SEGMENTS: &str = "segment big_spender = spend > 100.00\n";
const OTHER: &str = "event page_viewed {\n  url: string\n}\n\
segment browsing = count(page_viewed, 1h) >= 3\n";

/// `a.seg` (an event and a trait), `b.seg` (a segment on that trait), `c.seg`
/// (unrelated).
fn three_files(db: &Database) -> Project {
    db.load(vec![
        ("a.seg".into(), EVENTS.into()),
        ("b.seg".into(), SEGMENTS.into()),
        ("c.seg".into(), OTHER.into()),
    ])
}

/// The diagnostics of one pass over the whole project.
fn reference(db: &Database, project: Project) -> Vec<Diagnostic> {
    let files: Vec<(&str, &ast::File)> = project
        .files(db)
        .iter()
        .map(|f| (f.path(db).as_str(), &parse_file(db, *f).ast))
        .collect();
    check_at_once(&files)
}

#[test]
fn an_edit_inside_an_expression_rechecks_only_the_files_that_read_it() {
    let (mut db, log) = logging();
    let project = three_files(&db);
    assert!(check_project(&db, project).diagnostics.is_empty());
    assert_eq!(ran(&log, "file_diagnostics"), 3);

    // c.seg uses nothing of the others: only it is re-checked, spans shifting.
    let c = project.files(&db)[2];
    c.set_text(&mut db).to(OTHER.replace(">= 3", ">= 30"));
    assert!(check_project(&db, project).diagnostics.is_empty());
    assert_eq!(ran(&log, "file_diagnostics"), 1);

    // b.seg uses a trait of a.seg: editing that trait re-checks both, not c.seg.
    let a = project.files(&db)[0];
    a.set_text(&mut db).to(EVENTS.replace("30d", "7d"));
    assert!(check_project(&db, project).diagnostics.is_empty());
    assert_eq!(ran(&log, "file_diagnostics"), 2);
    assert_eq!(ran(&log, "project_wide_diagnostics"), 0);
}

#[test]
fn a_new_error_reaches_the_files_that_use_the_declaration() {
    let (mut db, log) = logging();
    let project = three_files(&db);
    let _ = check_project(&db, project);
    assert_eq!(ran(&log, "file_diagnostics"), 3);
    let a = project.files(&db)[0];
    // `spend` becomes a string: b.seg's comparison is now a type error.
    a.set_text(&mut db)
        .to(EVENTS.replace("sum(order_completed.total, 30d)", "\"x\""));
    let diags = &check_project(&db, project).diagnostics;
    assert_eq!(diags.iter().map(|d| d.code).collect::<Vec<_>>(), ["E0301"]);
    assert_eq!(diags[0].location.file, "b.seg");
    assert_eq!(diags, &reference(&db, project));
    assert_eq!(ran(&log, "file_diagnostics"), 2);
}

#[test]
fn project_wide_rules_run_when_the_outline_calls_for_them() {
    let (mut db, log) = logging();
    let project = three_files(&db);
    let _ = check_project(&db, project);
    assert_eq!(ran(&log, "project_wide_diagnostics"), 1);
    let b = project.files(&db)[1];
    b.set_text(&mut db)
        .to(format!("{SEGMENTS}trait spend = 1\n"));
    let diags = &check_project(&db, project).diagnostics;
    assert_eq!(diags.iter().map(|d| d.code).collect::<Vec<_>>(), ["E0202"]);
    assert_eq!(diags, &reference(&db, project));
    assert_eq!(ran(&log, "project_wide_diagnostics"), 1);
}

/// A cycle entered from outside (`z` → `b` → `a` → `b`) across files: the file of
/// `b` is checked without `z`, and still reads exactly as in the whole project.
#[test]
fn a_cycle_entered_from_another_file_reads_the_same_file_by_file() {
    let db = Database::default();
    let project = db.load(vec![
        (
            "a.seg".into(),
            "event signed_up { email: string pii }\ntrait z = b + 1\ntrait a = b ?? \"x\"\n".into(),
        ),
        (
            "b.seg".into(),
            "trait b = a ?? last(signed_up.email)\nsegment s = b > 3\n".into(),
        ),
    ]);
    let diags = &check_project(&db, project).diagnostics;
    assert!(diags.iter().any(|d| d.code == "E0209"));
    assert_eq!(diags, &reference(&db, project));
}
