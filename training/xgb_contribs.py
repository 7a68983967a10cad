"""TreeSHAP reference values from XGBoost itself (Debian python3-xgboost), for the golden file.

Usage: /usr/bin/python3 training/xgb_contribs.py MODEL_JSON ROWS_JSON OUT_JSON
ROWS_JSON: {"features": [[float32 feature vector], ...]}
OUT_JSON:  {"xgboost": version, "rows": [{"contribs": [...], "bias": b, "margin": m}, ...]}
"""
import json
import sys

import numpy as np
import xgboost as xgb


def main() -> None:
    model_path, rows_path, out_path = sys.argv[1:4]
    booster = xgb.Booster(model_file=model_path)
    booster.set_param({"nthread": 1})
    with open(rows_path) as f:
        x = np.array(json.load(f)["features"], dtype=np.float32)
    dm = xgb.DMatrix(x)
    contribs = booster.predict(dm, pred_contribs=True)
    margin = booster.predict(dm, output_margin=True)
    rows = [
        {
            "contribs": [float(v) for v in c[:-1]],
            "bias": float(c[-1]),
            "margin": float(m),
        }
        for c, m in zip(contribs, margin)
    ]
    with open(out_path, "w") as f:
        json.dump({"xgboost": xgb.__version__, "rows": rows}, f)


if __name__ == "__main__":
    main()
