"""Goals, the JSON results file and the Markdown table."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

P99_TARGET_MS = 5.0


def machine() -> dict[str, Any]:
    """CPU model (from /proc/cpuinfo), core count and library versions."""
    import implicit
    import torch

    cpu = platform.processor() or "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "implicit": implicit.__version__,
    }


def goals(results: dict[str, Any]) -> dict[str, Any]:
    """Each goal as a ratio to the best peer of the same run, and whether it is met."""
    quality = results["movielens"]["random"]
    out: dict[str, Any] = {}
    for metric in ("ndcg@10", "recall@20"):
        ours = max(m["mean"][metric] for m in quality.values() if m["ours"])
        peer = max(m["mean"][metric] for m in quality.values() if not m["ours"])
        out[f"quality_{metric}"] = {
            "ours": ours,
            "best_peer": peer,
            "ratio": ours / peer,
            "met": ours >= peer,
        }
    largest = list(results["training"])[-1]
    train = results["training"][largest]
    ratio = train["cg"]["fit_seconds"] / train["implicit"]["fit_seconds"]
    out["training_time"] = {
        "data": largest,
        "ours_s": train["cg"]["fit_seconds"],
        "implicit_s": train["implicit"]["fit_seconds"],
        "ratio": ratio,
        "met": ratio <= 1.0,
    }
    ours, peer = results["serving"]["ours"], results["serving"]["implicit"]
    out["serving_p99"] = {
        "ours_ms": ours["single"]["p99_ms"],
        "target_ms": P99_TARGET_MS,
        "ratio_to_peer": ours["single"]["p99_ms"] / peer["single"]["p99_ms"],
        "met": ours["single"]["p99_ms"] <= P99_TARGET_MS,
    }
    out["serving_throughput"] = {
        "ours_users_per_s": ours["batched_users_per_s"],
        "ratio_to_peer": ours["batched_users_per_s"] / peer["batched_users_per_s"],
    }
    return out


def write_json(results: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(results, indent=1, sort_keys=False) + "\n")


def _pm(model: dict[str, Any], metric: str) -> str:
    return f"{model['mean'][metric]:.4f} ± {model['std'][metric]:.4f}"


def _quality_table(models: dict[str, Any]) -> list[str]:
    best = {
        m: max(r["mean"][m] for r in models.values() if not r["ours"])
        for m in ("ndcg@10", "recall@20")
    }
    lines = [
        "| model | NDCG@10 | Recall@20 | Recall@10 | MAP@10 | Coverage@10 | fit s "
        "| NDCG@10 / best peer | Recall@20 / best peer |",
        "|" + "---|" * 9,
    ]
    for name, r in models.items():
        lines.append(
            f"| {name} | {_pm(r, 'ndcg@10')} | {_pm(r, 'recall@20')} | {_pm(r, 'recall@10')} "
            f"| {_pm(r, 'map@10')} | {r['mean']['coverage@10']:.3f} "
            f"| {r['mean']['fit_seconds']:.2f} | {r['mean']['ndcg@10'] / best['ndcg@10']:.3f} "
            f"| {r['mean']['recall@20'] / best['recall@20']:.3f} |"
        )
    return lines


def _training_table(training: dict[str, Any]) -> list[str]:
    lines = [
        "| data | users × items, nnz | model | fit s | peak RSS MB | fit RSS MB |",
        "|---|---|---|---|---|---|",
    ]
    labels = {"cg": "iALS ours (CG)", "cholesky": "iALS ours (exact)", "implicit": "implicit ALS"}
    for size, run in training.items():
        d = run["data"]
        for kind, label in labels.items():
            if kind in run:
                r = run[kind]
                lines.append(
                    f"| {size} | {d['users']} × {d['items']}, {d['nnz']} | {label} "
                    f"| {r['fit_seconds']:.1f} | {r['peak_rss_mb']:.0f} "
                    f"| {r['fit_rss_mb']:.0f} |"
                )
    return lines


def _serving_table(serving: dict[str, Any]) -> list[str]:
    lines = ["| model | case | p50 ms | p99 ms | batched users/s |", "|---|---|---|---|---|"]
    for name, label in (("ours", "iALS ours"), ("implicit", "implicit ALS")):
        r = serving[name]
        lines.append(
            f"| {label} | seen filter | {r['single']['p50_ms']:.2f} "
            f"| {r['single']['p99_ms']:.2f} | {r['batched_users_per_s']:.0f} |"
        )
        if "single_with_candidates" in r:
            c = r["single_with_candidates"]
            lines.append(
                f"| {label} | seen filter + 50% allow-list | {c['p50_ms']:.2f} "
                f"| {c['p99_ms']:.2f} | |"
            )
    return lines


def _goals_table(g: dict[str, Any]) -> list[str]:
    q1, q2, t, s = (
        g["quality_ndcg@10"],
        g["quality_recall@20"],
        g["training_time"],
        g["serving_p99"],
    )
    mark = {True: "met", False: "not met"}
    return [
        "| goal | ours | reference | ratio | status |",
        "|---|---|---|---|---|",
        f"| NDCG@10 ≥ best peer | {q1['ours']:.4f} | {q1['best_peer']:.4f} | {q1['ratio']:.3f} "
        f"| {mark[q1['met']]} |",
        f"| Recall@20 ≥ best peer | {q2['ours']:.4f} | {q2['best_peer']:.4f} "
        f"| {q2['ratio']:.3f} | {mark[q2['met']]} |",
        f"| iALS fit time ≤ implicit ALS ({t['data']}) | {t['ours_s']:.1f} s "
        f"| {t['implicit_s']:.1f} s | {t['ratio']:.3f} | {mark[t['met']]} |",
        f"| top-10 p99 ≤ {s['target_ms']:.0f} ms | {s['ours_ms']:.2f} ms | {s['target_ms']} ms "
        f"| {s['ratio_to_peer']:.3f} (vs implicit p99) | {mark[s['met']]} |",
        f"| batched throughput | {g['serving_throughput']['ours_users_per_s']:.0f} users/s | "
        f"implicit | {g['serving_throughput']['ratio_to_peer']:.3f} | reported |",
    ]


def write_markdown(results: dict[str, Any], path: Path) -> None:
    m, s = results["machine"], results["settings"]
    lines = [
        "# Recommender benchmark",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, torch {m['torch']}, "
        f"implicit {m['implicit']}. Generated by `{s['command']}`"
        + (" (quick smoke run: figures not representative)." if s["quick"] else "."),
        "",
        "1-minute load average (other processes share the cores; it inflates times and tail "
        "latencies for ours and the peers alike): "
        + ", ".join(f"{k} {v:.1f}" for k, v in s["load_average_1min"].items())
        + ".",
        "",
        f"MovieLens 100K (recbole 1.2.1 copy), ratings ≥ 4 as positives. Split: {s['split']}. "
        f"Seeds {s['seeds']} (split and model seed); mean ± std over seeds. Hyper-parameters: "
        f"{s['search_budget']} random configurations per model from its grid, chosen by NDCG@10 "
        "on a validation split cut from seed 0's training set; iALS (exact) reuses the CG "
        "variant's choice. Ratios are to the best peer (implicit ALS, implicit BPR, popularity).",
        "",
        "## Goals",
        "",
        *_goals_table(results["goals"]),
        "",
        "## Quality (MovieLens 100K, per-user random hold-out)",
        "",
        *_quality_table(results["movielens"]["random"]),
        "",
    ]
    if "temporal" in results["movielens"]:
        lines += [
            "## Quality (MovieLens 100K, temporal: each user's last 20% held out)",
            "",
            *_quality_table(results["movielens"]["temporal"]),
            "",
        ]
    lines += [
        "## Training (synthetic, power-law users and items)",
        "",
        f"factors 64, 15 iterations, 2 threads ({s['threads']}). Peak RSS: "
        "`VmHWM` (/proc/self/status) of a fresh process per fit; fit RSS: that peak "
        "minus the RSS once the data was loaded.",
        "",
        *_training_table(results["training"]),
        "",
        f"## Serving (top-10 of {results['serving']['ours']['items']} items, "
        f"{s['serving_requests']} single-user requests, batches of {s['serving_batch']})",
        "",
        *_serving_table(results["serving"]),
        "",
        "![metric by model](metric_by_model.png)",
        "",
        "![training time by size](train_time_by_size.png)",
        "",
    ]
    path.write_text("\n".join(lines))
