//! The language server driven in-process through JSON-RPC (tower `Service` +
//! `ClientSocket`), one snapshot per capability, on the `shop` fixture project.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{fixture, pretty, workspace, TestClient};
use insta::assert_snapshot;
use serde_json::{json, Value};

async fn shop() -> TestClient {
    TestClient::start_default(workspace(Some("shop"))).await
}

/// Sorts the `changes` map of a workspace edit by URI (it is a hash map).
fn sorted_edit(v: Value) -> Value {
    let Some(changes) = v.get("changes").and_then(Value::as_object) else {
        return v;
    };
    let mut entries: Vec<(String, Value)> = changes
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    json!(entries)
}

#[tokio::test]
async fn initialize_advertises_every_capability() {
    let (client, init) = TestClient::start(workspace(None), json!({})).await;
    assert_snapshot!(pretty(&init));
    client.shutdown().await;
}

#[tokio::test]
async fn utf8_positions_are_negotiated_when_offered() {
    let caps = json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } });
    let (mut client, init) = TestClient::start(workspace(None), caps).await;
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    let text = "// é😀\nevent e { x: int }\ntrait t = count(e)\n";
    client.open("a.seg", text).await;
    // Hover the event name `e` on line 2.
    let hover = client
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": client.uri("a.seg") },
                    "position": { "line": 1, "character": 6 } }),
        )
        .await;
    assert_eq!(hover["range"]["start"]["character"], 6);
    let tokens = client
        .request(
            "textDocument/semanticTokens/full",
            json!({ "textDocument": { "uri": client.uri("a.seg") } }),
        )
        .await;
    // The comment token is 9 bytes long (UTF-16 would say 6).
    assert_eq!(tokens["data"][2], 9);
}

#[tokio::test]
async fn diagnostics_on_open_change_and_save() {
    let mut client = shop().await;
    let text = fixture("shop", "problems.seg");
    client.open("problems.seg", &text).await;
    assert_snapshot!(
        "diagnostics_open",
        pretty(&client.diagnostics("problems.seg").await)
    );

    let fixed = text.replace("page_viewed", "viewed_product");
    client.replace("problems.seg", 2, &fixed).await;
    assert_snapshot!(
        "diagnostics_change",
        pretty(&client.diagnostics("problems.seg").await)
    );

    client
        .notify(
            "textDocument/didSave",
            json!({ "textDocument": { "uri": client.uri("problems.seg") } }),
        )
        .await;
    let after_save = client.diagnostics("problems.seg").await;
    assert_eq!(after_save.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn ranged_edits_apply_in_order() {
    let mut client = shop().await;
    let text = "segment s for analytics = count(signed_up) > 0\n";
    client.open("new.seg", text).await;
    assert_eq!(client.diagnostics("new.seg").await, json!([]));
    // Two incremental edits: rename the event reference to something unknown.
    let changes = json!([
        { "range": { "start": { "line": 0, "character": 32 }, "end": { "line": 0, "character": 41 } }, "text": "signup" },
        { "range": { "start": { "line": 0, "character": 38 }, "end": { "line": 0, "character": 38 } }, "text": "s" }
    ]);
    client.change("new.seg", 2, changes).await;
    let diags = client.diagnostics("new.seg").await;
    assert_eq!(diags[0]["code"], "E0203");
    assert!(diags[0]["message"].as_str().unwrap().contains("`signups`"));
}

#[tokio::test]
async fn closing_a_document_restores_the_disk_version() {
    let mut client = shop().await;
    client
        .open(
            "segments.seg",
            "segment broken for analytics = count(nothing) > 0\n",
        )
        .await;
    assert_eq!(client.diagnostics("segments.seg").await[0]["code"], "E0203");
    client
        .notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": client.uri("segments.seg") } }),
        )
        .await;
    assert_eq!(client.diagnostics("segments.seg").await, json!([]));
}

#[tokio::test]
async fn hover() {
    let mut client = shop().await;
    let seg = fixture("shop", "segments.seg");
    let ev = fixture("shop", "events.seg");
    let mut out = Vec::new();
    let cases: &[(&str, &str, &str, usize)] = &[
        ("event", "segments.seg", "viewed_product,", 2),
        ("field in E.f", "segments.seg", "revenue)", 1),
        ("field in a filter", "segments.seg", "category ==", 1),
        ("trait", "segments.seg", "lifetime_value >", 1),
        ("segment in a test", "segments.seg", "high_intent\n}", 1),
        ("purpose", "segments.seg", "personalization holdout", 1),
        (
            "aggregate with a window",
            "segments.seg",
            "count(viewed_product, 30m)",
            1,
        ),
        (
            "aggregate over a filter",
            "segments.seg",
            "count(viewed_product[",
            1,
        ),
        ("sum without a window", "segments.seg", "sum(", 1),
        ("profile attribute", "segments.seg", "plan ??", 1),
        ("identifier type", "events.seg", "anonymous_id =", 1),
        ("pii field", "events.seg", "email:", 1),
        (
            "event declaration with retention",
            "events.seg",
            "viewed_product =",
            1,
        ),
    ];
    for (what, file, needle, delta) in cases {
        let text = if *file == "events.seg" { &ev } else { &seg };
        let h = client
            .at("textDocument/hover", file, text, needle, *delta, json!({}))
            .await;
        out.push(json!({ "case": what, "hover": h }));
    }
    assert_snapshot!(pretty(&json!(out)));
}

#[tokio::test]
async fn definition() {
    let mut client = shop().await;
    let seg = fixture("shop", "segments.seg");
    let mut out = Vec::new();
    let cases: &[(&str, &str, usize)] = &[
        ("event", "viewed_product,", 1),
        ("field in E.f", "revenue)", 1),
        ("field in a filter", "price > 50", 1),
        ("trait", "lifetime_value >", 1),
        ("segment in a test", "high_intent\n}", 1),
        ("purpose", "personalization holdout", 1),
        ("identifier type in a test", "user_id \"u1\" consent", 1),
        ("field in a test message", "product_id: \"p1\"", 1),
        ("profile attribute", "plan ??", 1),
        ("nothing on a keyword", "segment vip", 1),
    ];
    for (what, needle, delta) in cases {
        let d = client
            .at(
                "textDocument/definition",
                "segments.seg",
                &seg,
                needle,
                *delta,
                json!({}),
            )
            .await;
        out.push(json!({ "case": what, "definition": d }));
    }
    assert_snapshot!(pretty(&json!(out)));
}

#[tokio::test]
async fn references() {
    let mut client = shop().await;
    let ev = fixture("shop", "events.seg");
    let with_decl = client
        .at(
            "textDocument/references",
            "events.seg",
            &ev,
            "viewed_product =",
            1,
            json!({ "context": { "includeDeclaration": true } }),
        )
        .await;
    let purpose = client
        .at(
            "textDocument/references",
            "events.seg",
            &ev,
            "personalization,",
            1,
            json!({ "context": { "includeDeclaration": false } }),
        )
        .await;
    assert_snapshot!(pretty(
        &json!({ "event": with_decl, "purpose_without_declaration": purpose })
    ));
}

#[tokio::test]
async fn rename() {
    let mut client = shop().await;
    let ev = fixture("shop", "events.seg");
    let seg = fixture("shop", "segments.seg");
    let prepare = client
        .at(
            "textDocument/prepareRename",
            "events.seg",
            &ev,
            "signed_up",
            1,
            json!({}),
        )
        .await;
    let event = client
        .at(
            "textDocument/rename",
            "events.seg",
            &ev,
            "signed_up",
            1,
            json!({ "newName": "registered" }),
        )
        .await;
    let field = client
        .at(
            "textDocument/rename",
            "segments.seg",
            &seg,
            "category ==",
            1,
            json!({ "newName": "section" }),
        )
        .await;
    let trait_ = client
        .at(
            "textDocument/rename",
            "segments.seg",
            &seg,
            "lifetime_value >",
            1,
            json!({ "newName": "ltv" }),
        )
        .await;
    let keyword = client
        .at(
            "textDocument/rename",
            "segments.seg",
            &seg,
            "lifetime_value >",
            1,
            json!({ "newName": "segment" }),
        )
        .await;
    let taken = client
        .at(
            "textDocument/rename",
            "segments.seg",
            &seg,
            "lifetime_value >",
            1,
            json!({ "newName": "vip" }),
        )
        .await;
    let builtin = client
        .at(
            "textDocument/prepareRename",
            "segments.seg",
            &seg,
            "count(",
            1,
            json!({}),
        )
        .await;
    assert_snapshot!(pretty(&json!({
        "prepare": prepare,
        "event_keeps_its_wire_name": sorted_edit(event),
        "field_in_filter_and_test": sorted_edit(field),
        "trait": sorted_edit(trait_),
        "keyword_refused": keyword,
        "collision_refused": taken,
        "builtin_refused": builtin,
    })));
}

#[tokio::test]
async fn completion() {
    let mut client = shop().await;
    let text = "segment probe for analytics =\n  count(viewed_product[pr\n";
    let cases: &[(&str, &str)] = &[
        ("fields after E.", "sum(purchased."),
        ("fields inside E[…]", "count(viewed_product[pr"),
        ("duration units", "count(purchased, 30"),
        ("profile attributes", "(profile."),
        ("purposes after for", "segment x for "),
        ("types in an event block", "event e { x: "),
    ];
    let mut out = Vec::new();
    for (i, (what, line)) in cases.iter().enumerate() {
        let body = format!("{text}{line}");
        let rel = format!("c{i}.seg");
        client.open(&rel, &body).await;
        let r = client
            .at(
                "textDocument/completion",
                &rel,
                &body,
                line,
                line.len(),
                json!({}),
            )
            .await;
        let items: Vec<Value> = r
            .as_array()
            .unwrap()
            .iter()
            .map(|i| json!([i["label"], i["kind"], i["detail"]]))
            .collect();
        out.push(json!({ "case": what, "items": items }));
    }
    // Anywhere else: keywords, declarations and functions with signatures.
    let body = "trait t = ";
    client.open("general.seg", body).await;
    let r = client
        .at(
            "textDocument/completion",
            "general.seg",
            body,
            "= ",
            2,
            json!({}),
        )
        .await;
    let items = r.as_array().unwrap();
    let pick = |label: &str| items.iter().find(|i| i["label"] == label).cloned();
    out.push(json!({ "case": "general (selected)", "count": items.len(),
        "items": [pick("segment"), pick("viewed_product"), pick("lifetime_value"),
                  pick("high_intent"), pick("most_frequent"), pick("user_id")] }));
    assert_snapshot!(pretty(&json!(out)));
}

#[tokio::test]
async fn signature_help() {
    let mut client = shop().await;
    let body = "trait t = sum(purchased.revenue, ";
    client.open("sig.seg", body).await;
    let second = client
        .at(
            "textDocument/signatureHelp",
            "sig.seg",
            body,
            ", ",
            2,
            json!({}),
        )
        .await;
    let first = client
        .at(
            "textDocument/signatureHelp",
            "sig.seg",
            body,
            "purchased",
            0,
            json!({}),
        )
        .await;
    let none = client
        .at(
            "textDocument/signatureHelp",
            "sig.seg",
            body,
            "= ",
            1,
            json!({}),
        )
        .await;
    assert_snapshot!(pretty(
        &json!({ "window_parameter": second, "event_parameter": first, "outside": none })
    ));
}

/// Decodes LSP semantic tokens into (line, column, text, type, modifiers).
fn decode_tokens(text: &str, legend: &Value, data: &Value) -> Vec<String> {
    let types = legend["tokenTypes"].as_array().unwrap();
    let mods = legend["tokenModifiers"].as_array().unwrap();
    let data: Vec<u64> = data
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let lines: Vec<&str> = text.split('\n').collect();
    let (mut line, mut col) = (0usize, 0usize);
    let mut out = Vec::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            line += t[0] as usize;
            col = t[1] as usize;
        } else {
            col += t[1] as usize;
        }
        let piece: String = lines[line].chars().skip(col).take(t[2] as usize).collect();
        let m: Vec<&str> = (0..mods.len())
            .filter(|b| t[4] & (1 << b) != 0)
            .map(|b| mods[b].as_str().unwrap())
            .collect();
        out.push(format!(
            "{line}:{col} {piece:?} {} {}",
            types[t[3] as usize].as_str().unwrap(),
            m.join(",")
        ));
    }
    out
}

#[tokio::test]
async fn semantic_tokens() {
    let (mut client, init) = TestClient::start(workspace(Some("shop")), json!({})).await;
    let legend = init["capabilities"]["semanticTokensProvider"]["legend"].clone();
    let seg = fixture("shop", "segments.seg");
    let r = client
        .request(
            "textDocument/semanticTokens/full",
            json!({ "textDocument": { "uri": client.uri("segments.seg") } }),
        )
        .await;
    let decoded = decode_tokens(&seg, &legend, &r["data"]);
    assert_snapshot!(pretty(&json!(decoded)));
}

#[tokio::test]
async fn document_and_workspace_symbols() {
    let mut client = shop().await;
    let doc = client
        .request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": client.uri("events.seg") } }),
        )
        .await;
    let ws = client
        .request("workspace/symbol", json!({ "query": "Pur" }))
        .await;
    let doc = client.redact(doc);
    let ws = client.redact(ws);
    assert_snapshot!(pretty(
        &json!({ "document": doc, "workspace_query_pur": ws })
    ));
}

#[tokio::test]
async fn formatting() {
    let mut client = shop().await;
    let messy = "segment   messy for analytics=count(purchased,1d)>=1\n/// Doc.\ntrait  t=sum(purchased.revenue)";
    client.open("messy.seg", messy).await;
    let params = json!({ "textDocument": { "uri": client.uri("messy.seg") },
                         "options": { "tabSize": 2, "insertSpaces": true } });
    let edits = client
        .request("textDocument/formatting", params.clone())
        .await;
    let broken = "segment = = 1\n";
    client.open("broken.seg", broken).await;
    let mut p2 = params.clone();
    p2["textDocument"]["uri"] = json!(client.uri("broken.seg"));
    let none = client.request("textDocument/formatting", p2).await;
    assert_snapshot!(pretty(
        &json!({ "edits": edits, "syntax_error_gives_no_edits": none })
    ));
}

#[tokio::test]
async fn code_actions() {
    let mut client = shop().await;
    let text = fixture("shop", "problems.seg");
    client.open("problems.seg", &text).await;
    let diags = client.diagnostics("problems.seg").await;
    let mut out = Vec::new();
    for code in ["W0301", "E0401", "E0203"] {
        let d = diags
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == code)
            .unwrap_or_else(|| panic!("{code} reported"))
            .clone();
        let params = json!({
            "textDocument": { "uri": client.uri("problems.seg") },
            "range": d["range"],
            "context": { "diagnostics": [d] },
        });
        let actions = client.request("textDocument/codeAction", params).await;
        let actions = client.redact(actions);
        let actions: Vec<Value> = actions
            .as_array()
            .unwrap()
            .iter()
            .map(|a| json!({ "title": a["title"], "kind": a["kind"], "edit": sorted_edit(a["edit"].clone()) }))
            .collect();
        out.push(json!({ "code": code, "actions": actions }));
    }
    assert_snapshot!(pretty(&json!(out)));
}

#[tokio::test]
async fn the_w0301_fix_removes_the_warning() {
    let mut client = shop().await;
    let text = "segment d for email_marketing = last(nps_submitted.score) <= 6\n";
    client.open("d.seg", text).await;
    let diags = client.diagnostics("d.seg").await;
    assert_eq!(diags[0]["code"], "W0301");
    let params = json!({ "textDocument": { "uri": client.uri("d.seg") },
        "range": diags[0]["range"], "context": { "diagnostics": [] } });
    let actions = client.request("textDocument/codeAction", params).await;
    let edit = &actions[0]["edit"]["changes"][client.uri("d.seg")][0];
    let range = &edit["range"];
    let (a, b) = (
        range["start"]["character"].as_u64().unwrap() as usize,
        range["end"]["character"].as_u64().unwrap() as usize,
    );
    let fixed = format!(
        "{}{}{}",
        &text[..a],
        edit["newText"].as_str().unwrap(),
        &text[b..]
    );
    client.replace("d.seg", 2, &fixed).await;
    assert_eq!(client.diagnostics("d.seg").await, json!([]), "{fixed}");
}

#[tokio::test]
async fn bad_documents_never_kill_the_server() {
    let mut client = shop().await;
    let nasty = [
        "\u{0}\u{1}\u{FEFF}event",
        "segment s = ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1",
        "event e { x: int }\ntrait t = count(e[x > \"😀",
        "test \"unterminated { at 25:99 expect",
        "trait t = 99999999999999999999999999999999999d + 1.0e",
    ];
    for (i, text) in nasty.iter().enumerate() {
        let rel = format!("nasty{i}.seg");
        client.open(&rel, text).await;
        let _ = client.diagnostics(&rel).await;
        for method in [
            "textDocument/hover",
            "textDocument/completion",
            "textDocument/definition",
            "textDocument/signatureHelp",
        ] {
            for ch in [0, 3, 10, 200] {
                let params = json!({ "textDocument": { "uri": client.uri(&rel) },
                    "position": { "line": 0, "character": ch } });
                let r = client.request(method, params).await;
                assert!(r.get("error").is_none(), "{method} on {text:?}: {r}");
            }
        }
        let r = client
            .request(
                "textDocument/semanticTokens/full",
                json!({ "textDocument": { "uri": client.uri(&rel) } }),
            )
            .await;
        assert!(r.get("error").is_none());
    }
    // Requests about documents the server never saw answer with nothing.
    let r = client
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": "untitled:Untitled-1" },
            "position": { "line": 0, "character": 0 } }),
        )
        .await;
    assert_eq!(r, Value::Null);
    client.shutdown().await;
}

#[tokio::test]
async fn many_quick_edits_end_with_the_last_text_diagnosed() {
    let mut client = shop().await;
    client.open("fast.seg", "").await;
    for v in 2..40 {
        let name = if v % 2 == 0 { "nothing" } else { "purchased" };
        let text = format!("segment fast for analytics = count({name}) > {v}\n");
        client.replace("fast.seg", v, &text).await;
    }
    let text = "segment fast for analytics = count(purchased) > 1\n";
    client.replace("fast.seg", 40, text).await;
    let mut last = client.diagnostics("fast.seg").await;
    // Older publishes may still be queued: read until quiet.
    while let Ok(Some(n)) = tokio::time::timeout(std::time::Duration::from_millis(300), async {
        Some(client.diagnostics("fast.seg").await)
    })
    .await
    {
        last = n;
    }
    assert_eq!(last, json!([]));
}
