//! Plans, shards, the folder lock and the model fingerprint.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use harness::evaluator::{EvalError, Plan, RunLock, Shard, TaskPlan, model_fingerprint};

fn task(name: &str, num_docs: usize) -> TaskPlan {
    TaskPlan {
        name: name.to_string(),
        signature: format!("{name}|v1"),
        num_docs,
    }
}

fn size(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap()
}

fn shard_error(text: &str) -> String {
    let err = text.parse::<Shard>().unwrap_err();
    assert!(matches!(err, EvalError::InvalidShard { .. }));
    err.to_string()
}

#[test]
fn shards_parse_from_i_slash_n() {
    let shard: Shard = "2/5".parse().unwrap();
    assert_eq!((shard.index(), shard.count()), (2, 5));
    assert_eq!(shard.to_string(), "2/5");
    assert_eq!(
        " 0 / 1 ".trim().parse::<Shard>().unwrap(),
        Shard::new(0, 1).unwrap()
    );
}

#[test]
fn bad_shards_say_what_is_wrong() {
    let e = shard_error("3/2");
    assert!(
        e.contains("`3/2`") && e.contains("index 3 is not below the shard count 2"),
        "{e}"
    );
    let e = shard_error("x/2");
    assert!(e.contains("`x` is not a non-negative integer"), "{e}");
    let e = shard_error("1/0");
    assert!(e.contains("at least 1"), "{e}");
    let e = shard_error("1");
    assert!(e.contains("no `/`"), "{e}");
    let e = shard_error("-1/2");
    assert!(e.contains("`-1`"), "{e}");
    assert!(e.contains("--shard"), "{e}");
    assert!(Shard::new(2, 2).is_err());
}

#[test]
fn shards_serialize_as_text_and_refuse_invalid_text() {
    let shard = Shard::new(1, 3).unwrap();
    assert_eq!(serde_json::to_string(&shard).unwrap(), r#""1/3""#);
    assert_eq!(serde_json::from_str::<Shard>(r#""1/3""#).unwrap(), shard);
    assert!(serde_json::from_str::<Shard>(r#""3/3""#).is_err());
}

#[test]
fn plans_cut_tasks_sorted_by_name_into_fixed_units() {
    let plan = Plan::new(vec![task("b", 2), task("a", 5)], size(2));
    let ids: Vec<String> = plan.units.iter().map(|u| u.id()).collect();
    assert_eq!(ids, ["a:0-2", "a:2-4", "a:4-5", "b:0-2"]);
    assert_eq!(plan.tasks[0].name, "a");
    assert_eq!(plan.unit_size, 2);
}

#[test]
fn shards_take_units_round_robin() {
    let plan = Plan::new(vec![task("a", 10), task("b", 3)], size(2));
    let ids = |shard| -> Vec<String> { plan.assigned(shard).iter().map(|u| u.id()).collect() };
    // Units: a:0-2 a:2-4 a:4-6 a:6-8 a:8-10 b:0-2 b:2-3, dealt out 0 1 2 0 1 2 0.
    assert_eq!(ids(Some(Shard::new(1, 3).unwrap())), ["a:2-4", "a:8-10"]);
    assert_eq!(
        ids(Some(Shard::new(0, 3).unwrap())),
        ["a:0-2", "a:6-8", "b:2-3"]
    );
    assert_eq!(ids(None).len(), 7);
}

#[test]
fn the_shards_of_any_split_cover_the_plan_exactly_once() {
    let plan = Plan::new(vec![task("x", 17), task("y", 4), task("z", 1)], size(3));
    for count in 1..=9 {
        let mut all: Vec<String> = (0..count)
            .flat_map(|i| plan.assigned(Some(Shard::new(i, count).unwrap())))
            .map(|u| u.id())
            .collect();
        all.sort();
        let mut expected: Vec<String> = plan.units.iter().map(|u| u.id()).collect();
        expected.sort();
        assert_eq!(all, expected, "{count} shards");
    }
}

#[test]
fn a_second_lock_on_a_folder_is_refused_until_the_first_is_released() {
    let dir = tempfile::tempdir().unwrap();
    let first = RunLock::acquire(dir.path()).unwrap();
    let err = RunLock::acquire(dir.path()).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(&dir.path().display().to_string()),
        "{message}"
    );
    assert!(
        message.contains(&format!("pid {}", std::process::id())),
        "{message}"
    );
    drop(first);
    RunLock::acquire(dir.path()).unwrap();
}

#[test]
fn fingerprints_depend_on_content_backend_and_dtype_not_on_argument_order() {
    let dir = tempfile::tempdir().unwrap();
    let weights = dir.path().join("model.safetensors");
    let tokenizer = dir.path().join("tokenizer.json");
    std::fs::write(&weights, vec![7u8; 3 << 20]).unwrap();
    std::fs::write(&tokenizer, "{}").unwrap();
    let files = vec![weights.clone(), tokenizer.clone()];
    let base = model_fingerprint(&files, "flex", "f32").unwrap();
    assert_eq!(base.len(), 64);
    assert!(base.bytes().all(|b| b.is_ascii_hexdigit()));
    let reversed = vec![tokenizer.clone(), weights.clone()];
    assert_eq!(model_fingerprint(&reversed, "flex", "f32").unwrap(), base);
    assert_ne!(model_fingerprint(&files, "flex", "bf16").unwrap(), base);
    assert_ne!(model_fingerprint(&files, "cuda", "f32").unwrap(), base);
    // Moving bytes between files changes the fingerprint.
    std::fs::write(&tokenizer, "{}\u{7}").unwrap();
    std::fs::write(&weights, vec![7u8; (3 << 20) - 1]).unwrap();
    assert_ne!(model_fingerprint(&files, "flex", "f32").unwrap(), base);
}

#[test]
fn fingerprint_errors_name_the_problem() {
    assert!(matches!(
        model_fingerprint(&[], "flex", "f32"),
        Err(EvalError::NoFingerprintFiles)
    ));
    let missing = PathBuf::from("/nonexistent/weights.safetensors");
    let err = model_fingerprint(&[missing], "flex", "f32").unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/weights.safetensors"),
        "{err}"
    );
}
