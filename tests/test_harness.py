"""The test harness leaves the reader's page: recording statements and cells."""

import nbformat
import pytest

from companion.book.harness import for_readers, is_harness, strip_harness

CELL = """\
import numpy as np

x = np.ones(3)
# recorded for the tests
run.record("x_sum", x.sum())
for k in range(3):
    y = k
    run.record(f"k{k}", k)
for k in range(2):
    run.record(f"j{k}", k)
if x.sum() > 1:
    run.record("big", True)
print(x)
run.record(
    "long",
    1,
)
summary = run.finish()
print(summary_text(summary))"""


def test_strip_harness_keeps_the_teaching_code_exactly():
    assert strip_harness(CELL) == (
        "import numpy as np\n\nx = np.ones(3)\nfor k in range(3):\n    y = k\nprint(x)"
    )


def test_a_cell_of_harness_only_becomes_empty():
    assert strip_harness('run.record("a", 1)\nsummary = run.finish()') == ""
    assert strip_harness("print(run.summary_text())") == ""


def test_other_calls_and_other_objects_stay():
    source = 'run.pick(full=1, smoke=2)\nother.record("a", 1)\nprint(summary)\nrecord("a")'
    assert strip_harness(source) == source


def test_source_that_does_not_parse_is_left_alone():
    assert strip_harness("!pip install torch") == "!pip install torch"


def test_strip_harness_refuses_a_non_string():
    with pytest.raises(TypeError, match="source must be a str"):
        strip_harness(["run.record('a', 1)"])


def test_is_harness_on_loops_that_also_teach():
    import ast

    loop = ast.parse("for k in ks:\n    run.record('a', k)\n    print(k)").body[0]
    assert not is_harness(loop)


def cells():
    return [
        nbformat.v4.new_markdown_cell("Prose."),
        nbformat.v4.new_code_cell('PROFILE = "smoke"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell('PROFILE = "full"', metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell('x = 1\nrun.record("x", x)'),
        nbformat.v4.new_code_cell("summary = run.finish()"),
        nbformat.v4.new_code_cell("run.results_table([])", metadata={"tags": ["results-table"]}),
        nbformat.v4.new_code_cell("glue_it()", metadata={"tags": ["remove-cell"]}),
    ]


def test_the_page_hides_harness_cells_and_the_injected_parameters():
    shown = for_readers(cells(), colab=False)
    assert len(shown) == 7  # hidden cells stay in the notebook: myst-nb leaves them out
    assert [c.metadata.get("tags", []) for c in shown] == [
        [],
        ["parameters"],
        ["injected-parameters", "remove-cell"],
        [],
        ["remove-cell"],
        ["results-table"],
        ["remove-cell"],
    ]
    assert shown[3].source == "x = 1"


def test_a_colab_notebook_drops_them():
    shown = for_readers(cells(), colab=True)
    assert [c.source for c in shown] == ["Prose.", 'PROFILE = "smoke"', "x = 1"]
