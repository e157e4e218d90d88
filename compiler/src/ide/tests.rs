use super::*;
use crate::db::Database;

fn project(text: &str) -> (Database, Project) {
    let db = Database::default();
    let p = db.load(vec![("a.seg".to_string(), text.to_string())]);
    (db, p)
}

#[test]
fn durations_print_largest_units_first() {
    assert_eq!(fmt_duration(90 * 60_000), "90m");
    assert_eq!(fmt_duration(90 * 86_400_000), "90d");
    assert_eq!(fmt_duration(14 * 86_400_000), "2w");
    assert_eq!(fmt_duration(1), "1ms");
    assert_eq!(fmt_duration(0), "0w");
}

#[test]
fn fields_inside_filters_resolve_to_the_event() {
    let src = "event e { price: float }\nsegment s = count(e[price > 1], 1d) >= 1\n";
    let (db, p) = project(src);
    let at = src.rfind("price").unwrap_or(0) + 1;
    let occ = symbol_at(&db, p, "a.seg", at).map(|o| o.symbol);
    assert_eq!(
        occ,
        Some(Symbol::Field {
            event: "e".into(),
            field: "price".into()
        })
    );
    let defs = definition(&db, p, "a.seg", at);
    assert_eq!(defs.len(), 1);
    assert_eq!(defs[0].span.start as usize, src.find("price").unwrap_or(0));
}

#[test]
fn rename_keeps_the_wire_name_of_an_event() {
    let src = "event e { x: int }\ntrait t = count(e)\n";
    let (db, p) = project(src);
    let edits = rename(&db, p, "a.seg", 7, "f").unwrap_or_default();
    let texts: Vec<&str> = edits.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, vec!["f = \"e\"", "f"]);
    assert!(rename(&db, p, "a.seg", 7, "t").is_err());
    assert!(rename(&db, p, "a.seg", 7, "segment").is_err());
}
