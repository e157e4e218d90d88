//! `seg fmt [DIR|FILE] [--check]`: rewrites files in the canonical layout, or with
//! `--check` lists the files that would change and exits 1.

use std::fs;
use std::path::{Path, PathBuf};

use seg_compiler::fmt::format_source;

use crate::{project, Outcome};

#[derive(clap::Args)]
pub struct Args {
    /// A project directory or one .seg file
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Do not write; exit 1 when a file is not formatted
    #[arg(long)]
    check: bool,
}

pub fn run(a: Args) -> Outcome {
    let files = match files_of(&a.path) {
        Ok(f) => f,
        Err(e) => return super::usage_error(&e),
    };
    let mut unformatted = 0;
    let mut failed = false;
    for (shown, path) in files {
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => return super::usage_error(&format!("cannot read `{}`: {e}", path.display())),
        };
        let formatted = match format_source(&text, &shown) {
            Ok(f) => f,
            Err(diags) => {
                let color = std::io::IsTerminal::is_terminal(&std::io::stderr());
                let src = |p: &str| (p == shown).then_some(text.as_str());
                eprint!(
                    "{}",
                    seg_compiler::diagnostics::render::render_human(&diags, &src, color)
                );
                eprintln!("{shown}: not formatted: fix the syntax errors first");
                failed = true;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        unformatted += 1;
        if a.check {
            println!("would reformat {shown}");
        } else if let Err(e) = fs::write(&path, formatted) {
            return super::usage_error(&format!("cannot write `{}`: {e}", path.display()));
        } else {
            println!("formatted {shown}");
        }
    }
    if failed || (a.check && unformatted > 0) {
        Outcome::Failed
    } else {
        Outcome::Ok
    }
}

/// (name shown to the user, path) of every .seg file `path` denotes.
fn files_of(path: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    if path.is_file() {
        return Ok(vec![(path.display().to_string(), path.to_path_buf())]);
    }
    let loaded = project::load(path)?;
    Ok(loaded
        .sources
        .iter()
        .map(|(rel, _)| (rel.clone(), path.join(rel)))
        .collect())
}
