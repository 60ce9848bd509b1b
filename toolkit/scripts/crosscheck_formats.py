#!/usr/bin/env python3
"""Cross-checks Minerva's model-format writers against the reference Python libraries.

Not part of CI (it needs the Python packages `numpy`, `tokenizers`, `safetensors` and `gguf`, which
the project does not install). Run it by hand after changing a format:

    ./minerva convert --model M/stories260K.bin --tokenizer M/tok512.bin --to safetensors --out /tmp/x/st
    ./minerva convert ... --to gguf --dtype f32|q8_0|q4_0 --out /tmp/x/{f32,q8,q4}.gguf
    python3 toolkit/scripts/crosscheck_formats.py --stories M/stories260K.bin --tok M/tok512.bin \
        --st /tmp/x/st --f32 /tmp/x/f32.gguf --q8 /tmp/x/q8.gguf --q4 /tmp/x/q4.gguf \
        [--tok32k L/tokenizer.bin --tokjson32k /tmp/x/tok32k/tokenizer.json] [--fixture OUT.gguf]

Checks, each against an implementation that is not Minerva's:
  1. model.safetensors read by `safetensors` equals the llama2.c weights with Hugging Face's q/k
     row permutation applied (the permute of HF's Llama conversion script, written here in numpy);
  2. the F32 GGUF read by llama.cpp's `gguf` reader: llama.* metadata, tensor shapes (innermost
     first), data equal to llama2.c's, embedded vocabulary equal to tokenizer.bin's;
  3. Q8_0 / Q4_0 blocks byte-identical to `gguf.quants.quantize` (ggml's reference quantisers);
  4. tokenizer.json run by Hugging Face `tokenizers` encodes like llama2.c's score rule (written
     here in Python) on a set of tricky strings.
With --fixture, also writes a small GGUF with gguf's own writer (F32/F16/Q8_0/Q4_0 tensors and a
llama vocab) that the Java test GgufFromLlamaCppWriterTest reads.
"""
import argparse
import struct
import sys

import numpy as np

TRICKY = ["", " ", "a", "Hello world", "Once upon a time, there was a little girl named Lily.",
          "  leading and trailing spaces  ", "tabs\tand\nnewlines\n\n", "ünïcödé café naïve", "日本語のテキスト",
          "emoji 🦙🚀 mixed", "numbers 1234567890 3.14159", "punctuation!?.,;:'\"()[]{}", "aaaaaaaaaaaaaaaaaaaa",
          "don't won't it's I'm they're", "Zürich → München ≠ Köln", "multi   spaces   here", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral"]

failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures += 1


def read_llama2c(path):
    raw = open(path, "rb").read()
    dim, hidden, n_layers, n_heads, n_kv, vocab, seq = struct.unpack("<7i", raw[:28])
    tied = vocab > 0
    vocab = abs(vocab)
    hs = dim // n_heads
    kv = hs * n_kv
    f = np.frombuffer(raw, dtype=np.float32, offset=28)
    pos = 0
    out = {}

    def take(name, *shape):
        nonlocal pos
        n = int(np.prod(shape))
        out[name] = f[pos:pos + n].reshape(shape)
        pos += n

    take("tok_embeddings", vocab, dim)
    for field, shape in [("rms_att", (dim,)), ("wq", (dim, dim)), ("wk", (kv, dim)), ("wv", (kv, dim)), ("wo", (dim, dim)),
                         ("rms_ffn", (dim,)), ("w1", (hidden, dim)), ("w2", (dim, hidden)), ("w3", (hidden, dim))]:
        for i in range(n_layers):
            take(f"layers.{i}.{field}", *shape)
    take("rms_final", dim)
    pos += seq * hs
    if not tied:
        take("wcls", vocab, dim)
    cfg = dict(dim=dim, hidden=hidden, n_layers=n_layers, n_heads=n_heads, n_kv=n_kv, vocab=vocab, seq=seq, tied=tied)
    return cfg, out


def read_tokenizer_bin(path, n):
    raw = open(path, "rb").read()
    pos = 4
    pieces, scores = [], []
    for _ in range(n):
        score, length = struct.unpack_from("<fi", raw, pos)
        pos += 8
        pieces.append(raw[pos:pos + length].decode("utf-8", errors="replace"))
        pos += length
        scores.append(score)
    return pieces, scores


def score_rule_encode(text, pieces, scores):
    """llama2.c's encode (dummy prefix, code points, byte fallback, merge the best-scoring pair), in Python."""
    ids = {}
    for i, p in enumerate(pieces):
        ids.setdefault(p, i)
    toks = []
    if text:
        text = " " + text
    for ch in text:
        if ch in ids:
            toks.append(ids[ch])
        else:
            toks.extend(b + 3 for b in ch.encode("utf-8"))
    while True:
        best, best_i, best_id = -1e10, -1, -1
        for i in range(len(toks) - 1):
            m = ids.get(pieces[toks[i]] + pieces[toks[i + 1]])
            if m is not None and scores[m] > best:
                best, best_i, best_id = scores[m], i, m
        if best_i < 0:
            return toks
        toks[best_i:best_i + 2] = [best_id]


def hf_permute(w, n_heads):
    """HF's convert_llama_weights_to_hf permute: interleaved (Meta) rows -> rotate-half rows."""
    dim1, dim2 = w.shape
    return w.reshape(n_heads, dim1 // n_heads // 2, 2, dim2).transpose(0, 2, 1, 3).reshape(dim1, dim2)


HF = {"rms_att": "input_layernorm", "rms_ffn": "post_attention_layernorm", "wq": "self_attn.q_proj", "wk": "self_attn.k_proj",
      "wv": "self_attn.v_proj", "wo": "self_attn.o_proj", "w1": "mlp.gate_proj", "w2": "mlp.down_proj", "w3": "mlp.up_proj"}
GG = {"rms_att": "attn_norm", "rms_ffn": "ffn_norm", "wq": "attn_q", "wk": "attn_k", "wv": "attn_v", "wo": "attn_output",
      "w1": "ffn_gate", "w2": "ffn_down", "w3": "ffn_up"}


def hf_name(c):
    if c == "tok_embeddings": return "model.embed_tokens.weight"
    if c == "rms_final": return "model.norm.weight"
    if c == "wcls": return "lm_head.weight"
    _, i, f = c.split(".")
    return f"model.layers.{i}.{HF[f]}.weight"


def gg_name(c):
    if c == "tok_embeddings": return "token_embd.weight"
    if c == "rms_final": return "output_norm.weight"
    if c == "wcls": return "output.weight"
    _, i, f = c.split(".")
    return f"blk.{i}.{GG[f]}.weight"


def main():
    ap = argparse.ArgumentParser()
    for a in ["stories", "tok", "st", "f32", "q8", "q4", "tok32k", "tokjson32k", "fixture"]:
        ap.add_argument("--" + a)
    a = ap.parse_args()
    cfg, w = read_llama2c(a.stories)
    pieces, scores = read_tokenizer_bin(a.tok, cfg["vocab"])

    if a.st:
        from safetensors.numpy import load_file
        st = load_file(f"{a.st}/model.safetensors")
        ok = True
        for c, x in w.items():
            y = st[hf_name(c)]
            if c.endswith(".wq"): x = hf_permute(x, cfg["n_heads"])
            if c.endswith(".wk"): x = hf_permute(x, cfg["n_kv"])
            if x.shape != y.shape or not np.array_equal(x, y):
                ok = False
                print("   differs:", c, x.shape, y.shape)
        check(ok and len(st) == len(w), f"safetensors: {len(st)} tensors equal llama2.c weights with HF's q/k permutation")
        from tokenizers import Tokenizer
        t = Tokenizer.from_file(f"{a.st}/tokenizer.json")
        bad = [s for s in TRICKY if [1] + t.encode(s, add_special_tokens=False).ids != [1] + score_rule_encode(s, pieces, scores)]
        check(not bad, f"tokenizers (HF) on tok512 tokenizer.json == llama2.c score rule on {len(TRICKY)} strings {bad[:3]}")

    if a.tokjson32k:
        from tokenizers import Tokenizer
        p32, s32 = read_tokenizer_bin(a.tok32k, 32000)
        t = Tokenizer.from_file(a.tokjson32k)
        bad = []
        for s in TRICKY:
            x, y = t.encode(s, add_special_tokens=False).ids, score_rule_encode(s, p32, s32)
            if x != y:
                bad.append((s, x, y))
        check(not bad, f"tokenizers (HF) on Llama 2 32k tokenizer.json == llama2.c score rule on {len(TRICKY)} strings {bad[:2]}")

    if a.f32:
        from gguf import GGUFReader
        r = GGUFReader(a.f32)
        f = {k: r.fields[k] for k in r.fields}

        def val(k):
            fl = f[k]
            return fl.parts[fl.data[0]][0] if len(fl.data) == 1 else None
        check(int(val("llama.embedding_length")) == cfg["dim"] and int(val("llama.block_count")) == cfg["n_layers"]
              and int(val("llama.attention.head_count_kv")) == cfg["n_kv"] and int(val("llama.feed_forward_length")) == cfg["hidden"],
              "gguf reader: llama.* metadata")
        toks = [bytes(f["tokenizer.ggml.tokens"].parts[i]).decode("utf-8") for i in f["tokenizer.ggml.tokens"].data]
        check(toks == [p.strip() if p in ("\n<s>\n", "\n</s>\n") else p.replace(" ", "\u2581") for p in pieces],
              "gguf reader: embedded vocab equals tokenizer.bin (spaces as U+2581)")
        tensors = {t.name: t for t in r.tensors}
        ok = True
        for c, x in w.items():
            t = tensors[gg_name(c)]
            if list(t.shape) != list(x.shape[::-1]) or not np.array_equal(np.asarray(t.data).reshape(x.shape), x):
                ok = False
                print("   differs:", c, list(t.shape), x.shape)
        check(ok and len(tensors) == len(w), f"gguf reader: {len(tensors)} F32 tensors equal llama2.c, dims innermost first")

    from gguf import quants, GGMLQuantizationType as Q
    for path, qt in [(a.q8, Q.Q8_0), (a.q4, Q.Q4_0)]:
        if not path:
            continue
        from gguf import GGUFReader
        r = GGUFReader(path)
        tensors = {t.name: t for t in r.tensors}
        n_q, bad = 0, []
        for c, x in w.items():
            t = tensors[gg_name(c)]
            if t.tensor_type != qt:
                continue
            n_q += 1
            ref = quants.quantize(x.astype(np.float32), qt)
            if not np.array_equal(np.asarray(t.data).reshape(-1).view(np.uint8), ref.reshape(-1).view(np.uint8)):
                bad.append(c)
        check(n_q > 0 and not bad, f"{qt.name}: {n_q} tensors byte-identical to gguf.quants.quantize {bad[:3]}")

    if a.fixture:
        write_fixture(a.fixture)
    print(f"{failures} failed")
    sys.exit(1 if failures else 0)


def write_fixture(path):
    """A tiny llama GGUF written by llama.cpp's gguf writer, with a float32 reference copy of each quantised tensor."""
    from gguf import GGUFWriter, quants, GGMLQuantizationType as Q
    dim, hidden, heads, kv_heads, vocab = 32, 64, 4, 2, 260
    rng = np.random.default_rng(1234)
    g = GGUFWriter(path, "llama")
    g.add_context_length(64)
    g.add_embedding_length(dim)
    g.add_block_count(1)
    g.add_feed_forward_length(hidden)
    g.add_head_count(heads)
    g.add_head_count_kv(kv_heads)
    g.add_rope_dimension_count(dim // heads)
    g.add_layer_norm_rms_eps(1e-5)
    g.add_rope_freq_base(10000.0)
    toks = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + ["\u2581a"]
    g.add_tokenizer_model("llama")
    g.add_token_list(toks)
    g.add_token_scores([0.0] * 259 + [-1.0])
    g.add_token_types([2, 3, 3] + [6] * 256 + [1])
    g.add_bos_token_id(1)
    g.add_eos_token_id(2)
    kvd = dim // heads * kv_heads
    shapes = {"token_embd.weight": (vocab, dim), "output_norm.weight": (dim,), "output.weight": (vocab, dim),
              "blk.0.attn_norm.weight": (dim,), "blk.0.ffn_norm.weight": (dim,), "blk.0.attn_q.weight": (dim, dim),
              "blk.0.attn_k.weight": (kvd, dim), "blk.0.attn_v.weight": (kvd, dim), "blk.0.attn_output.weight": (dim, dim),
              "blk.0.ffn_gate.weight": (hidden, dim), "blk.0.ffn_down.weight": (dim, hidden), "blk.0.ffn_up.weight": (hidden, dim)}
    types = {"blk.0.attn_q.weight": Q.Q8_0, "blk.0.attn_k.weight": Q.Q4_0, "blk.0.attn_v.weight": Q.F16,
             "blk.0.ffn_gate.weight": Q.Q8_0, "blk.0.ffn_up.weight": Q.Q4_0, "output.weight": Q.Q8_0}
    for name, shape in shapes.items():
        x = (np.ones(shape) if len(shape) == 1 else rng.normal(0, 0.02, shape)).astype(np.float32)
        qt = types.get(name, Q.F32)
        if qt == Q.F32:
            g.add_tensor(name, x)
        elif qt == Q.F16:
            g.add_tensor(name, x.astype(np.float16))
        else:
            g.add_tensor(name, quants.quantize(x, qt), raw_shape=quants.quant_shape_to_byte_shape(x.shape, qt), raw_dtype=qt)
        if qt != Q.F32:
            g.add_tensor("ref." + name, x)
    g.write_header_to_file()
    g.write_kv_data_to_file()
    g.write_tensors_to_file()
    g.close()
    print("wrote fixture", path)


if __name__ == "__main__":
    main()
