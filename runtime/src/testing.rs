//! Helpers shared by the crate's unit tests: compiling a one-file project.

use seg_compiler::db::{check_project, plan, Database};
use seg_compiler::ir::Plan;

/// The plan of a one-file project that must check without errors.
pub fn plan_of(src: &str) -> Plan {
    let db = Database::default();
    let project = db.load(vec![("p.seg".into(), src.into())]);
    let checked = check_project(&db, project);
    let messages: Vec<String> = checked
        .diagnostics
        .iter()
        .map(|d| d.message.clone())
        .collect();
    assert!(!checked.has_errors(), "{messages:#?}");
    plan(&db, project).clone().expect("a plan")
}
