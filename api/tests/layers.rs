//! The layers hold: no API crate (this one, the functions behind API Gateway) depends on the
//! store, and no handler reaches the store through the use cases' handle (`App::store`, which
//! exists for the stream consumer, the local runner and tests). Cargo enforces the first for
//! names; this test also catches a dependency added by hand and a call through `App::store`.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace").to_path_buf()
}

/// The names of the `[dependencies]` of a manifest (not its dev-dependencies).
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).expect("a manifest");
    let mut in_dependencies = false;
    let mut names = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
        } else if in_dependencies
            && let Some((name, _)) = line.split_once(['=', '.'])
            && !name.starts_with('#')
            && !name.is_empty()
        {
            names.push(name.trim().to_owned());
        }
    }
    names
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

const API_CRATES: [&str; 4] = ["api", "functions/products", "functions/sales", "functions/reports"];

#[test]
fn no_api_crate_depends_on_the_store() {
    for krate in API_CRATES {
        let deps = dependencies(&workspace().join(krate).join("Cargo.toml"));
        assert!(deps.iter().any(|d| d == "app"), "{krate} depends on the use cases: {deps:?}");
        assert!(!deps.iter().any(|d| d == "store"), "{krate} must not depend on the store: {deps:?}");
    }
}

#[test]
fn no_handler_calls_the_store() {
    for krate in API_CRATES {
        let mut files = Vec::new();
        rust_files(&workspace().join(krate).join("src"), &mut files);
        assert!(!files.is_empty(), "{krate} has sources");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a source file");
            assert!(!text.contains(".store()"), "{} calls the store; call a use case instead", file.display());
        }
    }
}

#[test]
fn the_check_reads_dependencies_as_cargo_does() {
    let dir = std::env::temp_dir().join(format!("layers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("Cargo.toml");
    std::fs::write(&manifest, "[package]\nname = \"x\"\n\n[dependencies]\napp.workspace = true\nstore = { workspace = true }\n# serde = \"1\"\n\n[dev-dependencies]\nproptest.workspace = true\n").unwrap();
    assert_eq!(dependencies(&manifest), ["app", "store"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
