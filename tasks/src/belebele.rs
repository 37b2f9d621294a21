//! Belebele multiple-choice reading comprehension, as lm-evaluation-harness runs it.
//!
//! Prompt (`prompts/belebele.jinja`, lm-eval's `doc_to_text` since its fix of 2024-07-17, which
//! replaced the full-width colon after `Answer` with an ASCII one):
//! `P: {passage}\nQ: {question, stripped}\nA: {answer 1}\nB: ...\nD: {answer 4}\nAnswer:`.
//! Choices ` A` ` B` ` C` ` D` are scored by loglikelihood (`acc`, `acc_norm`). Few-shot examples
//! are the first k questions of the same (test) file, skipping the question itself, each
//! followed by ` ` and its correct letter, joined by blank lines.

use harness::data::{BelebeleItem, load_belebele};
use harness::request::Response;
use harness::task::{Doc, Task, TaskError, TaskOutput};
use serde::Serialize;

use crate::accuracy::{ChoiceQuestion, evaluate_choices};
use crate::ci::BootstrapSettings;
use crate::config::TaskConfig;
use crate::fewshot::fewshot_context;
use crate::template::PromptTemplate;

/// The group name.
pub const BELEBELE_GROUP: &str = "belebele";

/// Few-shot examples when none are configured (lm-eval's default).
pub const BELEBELE_DEFAULT_FEWSHOT: usize = 0;

/// The answer letters, in answer order.
const LETTERS: [&str; 4] = ["A", "B", "C", "D"];

/// lm-eval's task version of Belebele and the prompt revision reproduced here.
const VERSION: &str = "version=0.0|prompt=lm-eval-2024-07-17-ascii-colon";

/// The prompt template.
pub const BELEBELE_TEMPLATE: PromptTemplate = PromptTemplate {
    name: "belebele.jinja",
    source: include_str!("prompts/belebele.jinja"),
};

/// The 122 Belebele language variants (FLORES-200 codes; five romanized variants, e.g.
/// `hin_Latn`, are not FLORES-200 languages).
#[rustfmt::skip]
pub const BELEBELE_LANGUAGES: [&str; 122] = [
    "acm_Arab", "afr_Latn", "als_Latn", "amh_Ethi", "apc_Arab", "arb_Arab", "arb_Latn",
    "ars_Arab", "ary_Arab", "arz_Arab", "asm_Beng", "azj_Latn", "bam_Latn", "ben_Beng",
    "ben_Latn", "bod_Tibt", "bul_Cyrl", "cat_Latn", "ceb_Latn", "ces_Latn", "ckb_Arab",
    "dan_Latn", "deu_Latn", "ell_Grek", "eng_Latn", "est_Latn", "eus_Latn", "fin_Latn",
    "fra_Latn", "fuv_Latn", "gaz_Latn", "grn_Latn", "guj_Gujr", "hat_Latn", "hau_Latn",
    "heb_Hebr", "hin_Deva", "hin_Latn", "hrv_Latn", "hun_Latn", "hye_Armn", "ibo_Latn",
    "ilo_Latn", "ind_Latn", "isl_Latn", "ita_Latn", "jav_Latn", "jpn_Jpan", "kac_Latn",
    "kan_Knda", "kat_Geor", "kaz_Cyrl", "kea_Latn", "khk_Cyrl", "khm_Khmr", "kin_Latn",
    "kir_Cyrl", "kor_Hang", "lao_Laoo", "lin_Latn", "lit_Latn", "lug_Latn", "luo_Latn",
    "lvs_Latn", "mal_Mlym", "mar_Deva", "mkd_Cyrl", "mlt_Latn", "mri_Latn", "mya_Mymr",
    "nld_Latn", "nob_Latn", "npi_Deva", "npi_Latn", "nso_Latn", "nya_Latn", "ory_Orya",
    "pan_Guru", "pbt_Arab", "pes_Arab", "plt_Latn", "pol_Latn", "por_Latn", "ron_Latn",
    "rus_Cyrl", "shn_Mymr", "sin_Latn", "sin_Sinh", "slk_Latn", "slv_Latn", "sna_Latn",
    "snd_Arab", "som_Latn", "sot_Latn", "spa_Latn", "srp_Cyrl", "ssw_Latn", "sun_Latn",
    "swe_Latn", "swh_Latn", "tam_Taml", "tel_Telu", "tgk_Cyrl", "tgl_Latn", "tha_Thai",
    "tir_Ethi", "tsn_Latn", "tso_Latn", "tur_Latn", "ukr_Cyrl", "urd_Arab", "urd_Latn",
    "uzn_Latn", "vie_Latn", "war_Latn", "wol_Latn", "xho_Latn", "yor_Latn", "zho_Hans",
    "zho_Hant", "zsm_Latn", "zul_Latn",
];

/// Belebele in one language: `belebele_<lang>`.
#[derive(Debug, Clone)]
pub struct BelebeleTask {
    name: String,
    language: String,
    config: TaskConfig,
}

/// The template's variables: the item's fields.
#[derive(Serialize)]
struct PromptVars<'a> {
    flores_passage: &'a str,
    question: &'a str,
    mc_answer1: &'a str,
    mc_answer2: &'a str,
    mc_answer3: &'a str,
    mc_answer4: &'a str,
}

impl BelebeleTask {
    /// Belebele for `language` (a code of [`BELEBELE_LANGUAGES`]).
    pub fn new(language: &str, config: TaskConfig) -> Self {
        BelebeleTask {
            name: format!("{BELEBELE_GROUP}_{language}"),
            language: language.to_string(),
            config,
        }
    }

    /// The few-shot count in effect.
    fn num_fewshot(&self) -> usize {
        self.config.fewshot_or(BELEBELE_DEFAULT_FEWSHOT)
    }

    /// The prompt of one item, without few-shot examples.
    pub fn render_item(&self, item: &BelebeleItem) -> Result<String, TaskError> {
        let [a1, a2, a3, a4] = &item.mc_answers;
        BELEBELE_TEMPLATE.render(
            &self.name,
            PromptVars {
                flores_passage: &item.flores_passage,
                question: &item.question,
                mc_answer1: a1,
                mc_answer2: a2,
                mc_answer3: a3,
                mc_answer4: a4,
            },
        )
    }
}

/// The letter of an item's correct answer.
fn correct_letter(item: &BelebeleItem) -> &'static str {
    LETTERS[usize::from(item.correct_answer_num - 1)]
}

impl Task for BelebeleTask {
    fn name(&self) -> &str {
        &self.name
    }

    fn group(&self) -> &str {
        BELEBELE_GROUP
    }

    fn language(&self) -> &str {
        &self.language
    }

    fn signature(&self) -> String {
        format!(
            "{BELEBELE_GROUP}|{VERSION}|template={}|fewshot={}|{}",
            BELEBELE_TEMPLATE.hash(),
            self.num_fewshot(),
            self.config.limit_label()
        )
    }

    fn docs(&self) -> Result<Vec<Doc>, TaskError> {
        let items = load_belebele(&self.config.data_root, &self.language)?;
        let k = self.num_fewshot();
        if k >= items.len() {
            return Err(TaskError::Config {
                task: self.name.clone(),
                message: format!(
                    "{k} few-shot examples asked, but the file holds {} questions; use at most {}",
                    items.len(),
                    items.len().saturating_sub(1)
                ),
            });
        }
        // The pool: the first k + 1 questions, so that k remain after removing the query.
        let pool = items
            .iter()
            .take(k + 1)
            .map(|item| Ok((item.id(), self.render_item(item)?, correct_letter(item))))
            .collect::<Result<Vec<_>, TaskError>>()?;
        let evaluated = self.config.apply_limit(items.iter().collect());
        evaluated
            .into_iter()
            .map(|item| {
                let id = item.id();
                let examples: Vec<(String, String)> = pool
                    .iter()
                    .filter(|(example_id, _, _)| *example_id != id)
                    .take(k)
                    .map(|(_, prompt, letter)| (prompt.clone(), (*letter).to_string()))
                    .collect();
                let query = self.render_item(item)?;
                Ok(ChoiceQuestion {
                    id,
                    context: fewshot_context(&examples, &query),
                    choices: LETTERS.iter().map(|l| (*l).to_string()).collect(),
                    gold: usize::from(item.correct_answer_num - 1),
                }
                .into_doc())
            })
            .collect()
    }

    fn evaluate(&self, docs: &[Doc], responses: &[Vec<Response>]) -> Result<TaskOutput, TaskError> {
        evaluate_choices(
            &self.name,
            docs,
            responses,
            &BootstrapSettings::from_config(&self.config),
        )
    }
}
