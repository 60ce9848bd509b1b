#!/usr/bin/env python3
"""PyTorch reference for Minerva's CUDA backend, run on the lent GPU machine (PyTorch 2.11, transformers 5.x).

Builds a LlamaForCausalLM -- random weights at a real configuration (a config.json, or a preset with
TinyLlama-1.1B's published values), or the safetensors folder written by `./minerva synth --format safetensors`
-- and measures decode tokens/s at several batch sizes: eager (dynamic KV cache) and, if it works, a static
cache with torch.compile. Prints one JSON object on stdout. Optionally dumps the logits of a prompt (float32,
little-endian, row-major (tokens, vocab)) for a side-by-side comparison with Minerva's forward pass.

  python3 torch_reference.py --preset tinyllama-1.1b --batches 1,8,32,128 --steps 32 --compile
  python3 torch_reference.py --model out/tinyllama-synth --dump-logits 1,450,4086 --logits-out logits.f32
"""
import argparse
import json
import os
import platform
import sys
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM

# Published config.json values (TinyLlama/TinyLlama-1.1B-Chat-v1.0); same numbers as ModelPresets.java.
PRESETS = {
    "tinyllama-1.1b": dict(hidden_size=2048, intermediate_size=5632, num_hidden_layers=22, num_attention_heads=32,
                           num_key_value_heads=4, vocab_size=32000, max_position_embeddings=2048, rope_theta=10000.0,
                           rms_norm_eps=1e-5, tie_word_embeddings=False),
    "stories260k": dict(hidden_size=64, intermediate_size=172, num_hidden_layers=5, num_attention_heads=8,
                        num_key_value_heads=4, vocab_size=512, max_position_embeddings=512, rope_theta=10000.0,
                        rms_norm_eps=1e-5, tie_word_embeddings=True),
}

DTYPES = {"f16": torch.float16, "bf16": torch.bfloat16, "f32": torch.float32}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def build(args):
    dtype = DTYPES[args.dtype]
    if args.model:
        model = LlamaForCausalLM.from_pretrained(args.model, dtype=dtype).to("cuda")
        source = os.path.abspath(args.model)
    else:
        values = dict(PRESETS[args.preset]) if args.preset else {}
        if args.config:
            with open(args.config) as f:
                values.update(json.load(f))
        config = LlamaConfig(**values)
        torch.manual_seed(args.seed)
        old = torch.get_default_dtype()
        torch.set_default_dtype(dtype)
        with torch.device("cuda"):
            model = LlamaForCausalLM(config)   # random init, built on the GPU in the target dtype
        torch.set_default_dtype(old)
        source = args.config or ("preset:" + args.preset)
    model.eval()
    return model, source


def timed_generate(model, batch, prompt_len, new_tokens, **kw):
    ids = torch.randint(1, model.config.vocab_size, (batch, prompt_len), device="cuda")
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = model.generate(ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
                         pad_token_id=0, **kw)
    torch.cuda.synchronize()
    assert out.shape[1] == prompt_len + new_tokens, out.shape
    return time.perf_counter() - t0


def decode_speed(model, batch, steps, prompt_len, **kw):
    """tokens/s of decode alone: (time for `steps` new tokens - time for 1) / (steps - 1)."""
    timed_generate(model, batch, prompt_len, 2, **kw)             # warm-up (and compilation)
    timed_generate(model, batch, prompt_len, steps, **kw)
    t1 = min(timed_generate(model, batch, prompt_len, 1, **kw) for _ in range(2))
    tn = min(timed_generate(model, batch, prompt_len, steps, **kw) for _ in range(2))
    per_step = (tn - t1) / (steps - 1)
    return {"batch": batch, "tokens_per_s": batch / per_step, "ms_per_step": 1e3 * per_step, "ttft_ms": 1e3 * t1}


@torch.inference_mode()
def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="tinyllama-1.1b", choices=sorted(PRESETS))
    p.add_argument("--config", help="config.json whose values override the preset")
    p.add_argument("--model", help="folder with config.json + *.safetensors (e.g. from ./minerva synth --format safetensors)")
    p.add_argument("--dtype", default="f16", choices=sorted(DTYPES))
    p.add_argument("--batches", default="1,8,32,128")
    p.add_argument("--steps", type=int, default=32)
    p.add_argument("--prompt-len", type=int, default=16)
    p.add_argument("--prefill", type=int, default=512, help="also time one prefill of this many tokens (0 = skip)")
    p.add_argument("--compile", action="store_true", help="also static cache + torch.compile, in each of --compile-modes")
    p.add_argument("--compile-modes", default="default,reduce-overhead",
                   help="torch.compile modes to try, in order, comma-separated (default %(default)s: under transformers 5.17 "
                        "reduce-overhead's CUDA graphs failed with 'accessing tensor output of CUDAGraphs that has been "
                        "overwritten'; default mode compiles without CUDA graphs)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--out", help="also (re)write the JSON to this file after every measurement, so a run cut off by a "
                                 "time limit keeps what it measured")
    p.add_argument("--no-eager", action="store_true", help="skip the eager decode measurements")
    p.add_argument("--dump-logits", help="comma-separated token ids: write their logits and exit")
    p.add_argument("--logits-out", default="logits.f32")
    args = p.parse_args()

    if not torch.cuda.is_available():
        print(json.dumps({"error": "no CUDA device visible to PyTorch"}))
        sys.exit(3)
    model, source = build(args)
    result = {
        "source": source, "dtype": args.dtype, "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__, "transformers": __import__("transformers").__version__,
        "python": platform.python_version(), "params": sum(p.numel() for p in model.parameters()),
    }

    if args.dump_logits:
        ids = torch.tensor([[int(t) for t in args.dump_logits.split(",")]], device="cuda")
        logits = model.float()(ids).logits[0].contiguous().cpu()
        logits.numpy().astype("<f4").tofile(args.logits_out)
        result.update(logits_file=os.path.abspath(args.logits_out), logits_shape=list(logits.shape),
                      argmax=logits.argmax(-1).tolist())
        print(json.dumps(result, indent=2))
        return

    if args.prefill:
        ids = torch.randint(1, model.config.vocab_size, (1, args.prefill), device="cuda")
        model(ids)
        torch.cuda.synchronize()
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            model(ids, logits_to_keep=1)
            torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
        result["prefill"] = {"tokens": args.prefill, "ttft_ms_median": 1e3 * sorted(times)[len(times) // 2]}

    def save():
        if args.out:
            with open(args.out + ".tmp", "w") as f:
                json.dump(result, f, indent=2)
            os.replace(args.out + ".tmp", args.out)

    save()
    batches = [int(b) for b in args.batches.split(",")]
    if not args.no_eager:
        result["eager"] = []
        for b in batches:
            try:
                result["eager"].append(decode_speed(model, b, args.steps, args.prompt_len))
                log("eager", result["eager"][-1])
            except Exception as e:  # out of memory at a large batch, say: record and go on
                result["eager"].append({"batch": b, "error": repr(e)[:300]})
            save()
    if args.compile:
        # one key per mode: "compiled_static_cache" (reduce-overhead, as earlier runs recorded it) and
        # "compiled_static_cache_<mode>" for the others
        eager_forward = model.forward
        for mode in [m.strip() for m in args.compile_modes.split(",") if m.strip()]:
            key = "compiled_static_cache" if mode == "reduce-overhead" else "compiled_static_cache_" + mode.replace("-", "_")
            result[key] = []
            try:
                torch._dynamo.reset()
                model.forward = torch.compile(eager_forward, mode=None if mode == "default" else mode, fullgraph=True)
                for b in batches:
                    try:
                        result[key].append(decode_speed(model, b, args.steps, args.prompt_len, cache_implementation="static"))
                        log(key, result[key][-1])
                    except Exception as e:
                        result[key].append({"batch": b, "error": repr(e)[:300]})
                    save()
            except Exception as e:
                result[key] = {"error": repr(e)[:300]}
                save()
            finally:
                model.forward = eager_forward
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
