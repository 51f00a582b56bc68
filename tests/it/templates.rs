//! The template contract: the section "Templates and what they receive" of `CONTRIBUTING.md`
//! lists, for each template, the variables it receives. Every variable a template uses must be listed for it (or be `site`, the global),
//! every listed variable must be one the renderer inserts, and every listed view type must exist.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::repo;

const SECTION: &str = "## Templates and what they receive";

/// The contract's section of `CONTRIBUTING.md`.
fn contract_text() -> String {
    let text = std::fs::read_to_string(repo().join("CONTRIBUTING.md")).unwrap();
    let start = text
        .find(SECTION)
        .expect("CONTRIBUTING.md has the template contract");
    let rest = &text[start + SECTION.len()..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest[..end].to_string()
}

/// The contract as written: template name → variables. `*` holds what every template gets.
fn contract() -> BTreeMap<String, BTreeSet<String>> {
    let text = contract_text();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            current = if heading.starts_with("Every template") {
                Some("*".into())
            } else {
                first_code(heading)
            };
            if let Some(name) = &current {
                out.entry(name.clone()).or_default();
            }
        } else if line.starts_with("| `")
            && let (Some(name), Some(variable)) = (&current, first_code(line))
        {
            out.get_mut(name).unwrap().insert(variable);
        }
    }
    out
}

/// The text between the first pair of backquotes.
fn first_code(text: &str) -> Option<String> {
    let (_, rest) = text.split_once('`')?;
    let (code, _) = rest.split_once('`')?;
    Some(code.to_string())
}

/// Every file under `dir`, as (name relative to `dir`, text).
fn templates(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                let name = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// What each template uses that its contract does not give it.
fn undefined_variables(
    sources: &[(String, String)],
    contract: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<String> {
    let mut tera = tera::Tera::default();
    tera.add_raw_templates(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .unwrap();
    let global = &contract["*"];
    let mut problems = Vec::new();
    for (name, _) in sources {
        // A kind's own template (`kinds/<kind>.html`) replaces `page.html`, with its variables.
        let documented = if name.starts_with("kinds/") {
            "page.html"
        } else {
            name.as_str()
        };
        let Some(given) = contract.get(documented) else {
            problems.push(format!("{name}: not described in CONTRIBUTING.md"));
            continue;
        };
        let used: BTreeSet<&str> = tera
            .get_template_variables(name)
            .unwrap()
            .into_iter()
            .collect();
        for variable in used {
            if !given.contains(variable) && !global.contains(variable) {
                problems.push(format!(
                    "templates/{name} uses `{variable}`, which the renderer does not give it"
                ));
            }
        }
    }
    problems
}

#[test]
fn every_template_uses_only_the_variables_its_view_provides() {
    let contract = contract();
    assert_eq!(
        contract
            .get("*")
            .map(|g| g.iter().map(String::as_str).collect::<Vec<_>>()),
        Some(vec!["site"])
    );
    let sources = templates(&repo().join("templates"));
    assert!(sources.len() >= 14, "{sources:?}");
    let problems = undefined_variables(&sources, &contract);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Every described template exists.
    for name in contract.keys().filter(|n| *n != "*") {
        assert!(
            sources.iter().any(|(n, _)| n == name),
            "CONTRIBUTING.md describes {name}, which does not exist"
        );
    }
}

/// The check above is not vacuous: a variable no view provides is found, in a child template
/// and in the parent it extends, inside a branch that a render might never take, and in a
/// template the contract does not describe; loop variables are not mistaken for it.
#[test]
fn an_undefined_variable_is_reported() {
    let contract = contract();
    let mut sources = templates(&repo().join("templates"));
    for (name, text) in &mut sources {
        if name == "category.html" {
            *text = text.replace(
                "{% endblock content %}",
                "{% if pages %}{{ typo_pages | length }}{% endif %}{% endblock content %}",
            );
        }
        if name == "base.html" {
            text.push_str("{% for k in site.kinds %}{{ k.name }}{% endfor %}{{ no_such }}");
        }
    }
    sources.push((
        "kinds/group.html".into(),
        "{{ page.title }}{{ pages }}".into(),
    ));
    sources.push(("extra.html".into(), "{{ site.title }}".into()));
    let problems = undefined_variables(&sources, &contract);
    for expected in [
        "templates/category.html uses `typo_pages`",
        "templates/category.html uses `no_such`",
        "templates/base.html uses `no_such`",
        "templates/home.html uses `no_such`",
        "templates/kinds/group.html uses `pages`",
        "extra.html: not described in CONTRIBUTING.md",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "{expected} not in {problems:#?}"
        );
    }
    assert!(!problems.iter().any(|p| p.contains("`k`")), "{problems:#?}");
}

/// What the contract promises is what the renderer gives: each variable is inserted into a
/// template context in `src/` and each view type it names is defined there.
#[test]
fn the_contract_names_only_what_the_renderer_inserts() {
    let mut source = String::new();
    let mut stack = vec![repo().join("src")];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                source.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    // `insert(` then the key, perhaps on the next line.
    let squeezed: String = source.split_whitespace().collect::<Vec<_>>().join("");
    for (template, variables) in contract() {
        for variable in variables {
            assert!(
                squeezed.contains(&format!("insert(\"{variable}\",")),
                "CONTRIBUTING.md gives {template} `{variable}`, but no context in src/ inserts it"
            );
        }
    }
    // The types in the tables' second column, and the types described under "The view types".
    let text = contract_text();
    let mut types = BTreeSet::new();
    for line in text.lines() {
        let cell = if line.starts_with("| `") {
            line.split('|').nth(2).unwrap_or("")
        } else if line.starts_with('`') {
            line.split(':').next().unwrap_or("")
        } else {
            continue;
        };
        types.extend(
            cell.split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.starts_with(|c: char| c.is_ascii_uppercase())),
        );
    }
    assert!(
        types.contains("PageView") && types.contains("NetworkKind"),
        "{types:?}"
    );
    for word in types {
        assert!(
            source.contains(&format!("struct {word} "))
                || source.contains(&format!("struct {word}<")),
            "CONTRIBUTING.md names the type {word}, which src/ does not define"
        );
    }
}
