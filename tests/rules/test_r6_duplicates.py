"""R6 spec: no two rows share a key; each repeat names the first row of its key."""

import numpy as np
import pandas as pd

from pipelines.validation.rules import r6_duplicates
from tests.rules.spec import check, context, found


def test_the_first_row_of_each_repeated_key():
    frame = pd.DataFrame(
        {
            "ref_area": ["KEN"] * 4,
            "time_period": ["2023"] * 4,
            "sex": ["M", "F", "M", "M"],
            "row": [2, 3, 4, 5],
        }
    )
    first = r6_duplicates.first_rows(context(), frame, np.array([2, 3]))
    assert first == {
        2: {"first_row": 2, "key": "ref_area=KEN, time_period=2023, sex=M"},
        3: {"first_row": 2, "key": "ref_area=KEN, time_period=2023, sex=M"},
    }


def test_a_repeated_row_is_reported_against_the_first():
    report = check("ref_area,time_period,sex,obs_value\nKEN,2023,M,5\nKEN,2023,M,5\n")
    assert ("R6", "duplicate", 3) in found(report)
    assert "row 2" in report.findings.set_index("rule").loc["R6", "message"]
