//! `seg check [DIR] [--format human|json|github|sarif]`

use std::path::PathBuf;

use clap::ValueEnum;
use seg_compiler::diagnostics::render;

use crate::{project, Outcome};

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
    Sarif,
}

#[derive(clap::Args)]
pub struct Args {
    /// Project directory
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

pub fn run(a: Args) -> Outcome {
    let loaded = match project::load(&a.dir) {
        Ok(l) => l,
        Err(e) => return super::usage_error(&e),
    };
    let checked = loaded.checked();
    let diags = &checked.diagnostics;
    let sources = |p: &str| -> Option<&str> { loaded.source(p) };
    match a.format {
        Format::Human => {
            super::print_diagnostics(&loaded, diags);
            let errors = diags.iter().filter(|d| d.is_error()).count();
            let warnings = diags.len() - errors;
            if errors == 0 {
                eprintln!(
                    "{}: {} files checked, no errors{}",
                    a.dir.display(),
                    loaded.sources.len(),
                    plural_warnings(warnings)
                );
            } else {
                eprintln!(
                    "{}: {errors} error{}{}",
                    a.dir.display(),
                    if errors == 1 { "" } else { "s" },
                    plural_warnings(warnings)
                );
            }
        }
        Format::Json => println!("{}", render::render_json(diags, &sources)),
        Format::Github => print!("{}", render::render_github(diags, &sources)),
        Format::Sarif => println!("{}", render::render_sarif(diags, &sources)),
    }
    if checked.has_errors() {
        Outcome::Failed
    } else {
        Outcome::Ok
    }
}

fn plural_warnings(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => ", 1 warning".into(),
        n => format!(", {n} warnings"),
    }
}
