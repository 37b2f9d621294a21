//! Prompt templates render strictly and are pinned by hash.

use serde::Serialize;
use tasks::belebele::BELEBELE_TEMPLATE;
use tasks::flores::FLORES_TEMPLATE;
use tasks::sib200::SIB200_TEMPLATE;
use tasks::template::PromptTemplate;

#[derive(Serialize)]
struct Flores<'a> {
    src_name: &'a str,
    src: &'a str,
    tgt_name: &'a str,
}

#[test]
fn flores_template_renders_without_a_trailing_newline_or_escaping() {
    let text = FLORES_TEMPLATE
        .render(
            "t",
            Flores {
                src_name: "English",
                src: "A <b>&</b> \"quote\"",
                tgt_name: "German",
            },
        )
        .expect("renders");
    assert_eq!(text, "English: A <b>&</b> \"quote\"\nGerman:");
}

#[test]
fn a_missing_variable_is_a_config_error_naming_the_template() {
    #[derive(Serialize)]
    struct Partial<'a> {
        src: &'a str,
    }
    let err = FLORES_TEMPLATE
        .render("flores_x-y", Partial { src: "s" })
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("task flores_x-y: prompt template flores.jinja:"),
        "{err}"
    );
    assert!(err.contains("undefined"), "{err}");
}

#[test]
fn a_broken_template_is_a_config_error() {
    let broken = PromptTemplate {
        name: "broken.jinja",
        source: "{{ unclosed",
    };
    let err = broken.render("t", ()).unwrap_err().to_string();
    assert!(
        err.starts_with("task t: prompt template broken.jinja:"),
        "{err}"
    );
}

#[test]
fn hashes_pin_the_shipped_templates() {
    assert_eq!(BELEBELE_TEMPLATE.hash(), "1d2a22b7eba3");
    assert_eq!(FLORES_TEMPLATE.hash(), "5f54dffcb68e");
    assert_eq!(SIB200_TEMPLATE.hash(), "1c812ed74cad");
}
