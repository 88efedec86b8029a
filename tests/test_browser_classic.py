"""Colab's widget stack in a real browser: the classic Notebook 6.5 with ipywidgets 7.7.1.

Colab renders widgets with ipywidgets 7 only, and the classic Notebook with widgetsnbextension 3
is the closest front end to Colab's that runs here. `make test` builds that stack into its own
virtualenv, `.venv-classic` (requirements-classic.txt: no real-model extra). This test starts its
Notebook server on 127.0.0.1 with a token, opens a small generated notebook with two explorers in
headless Chromium (the helpers of test_browser.py), runs all cells, presses the right-arrow key on
a slider of each explorer and checks that the readout becomes the package's own number at the
slider's new value and that the figure changed. The page must show the widgets, not the static
pictures their outputs also carry for viewers without a kernel.

Where Chromium or chromedriver is missing the test skips, as test_browser.py does; a missing or
half-built `.venv-classic` fails it (build it with `make classic`).
"""

import os
import subprocess
import time
import uuid
from pathlib import Path

import nbformat
import pytest
import test_browser as browser   # the shared helpers live there (some are private: imported as they are)

import speclab as sl
from speclab.synthetic import SyntheticPair

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parent.parent
CLASSIC = Path(os.environ.get("SPECLAB_CLASSIC_VENV", ROOT / ".venv-classic"))
CLASSIC_PYTHON = CLASSIC / "bin" / "python"
STAMP = CLASSIC / ".installed"          # written by the Makefile once the install finished
NAME = "classic_explorers.ipynb"
ALPHA, K, C = 0.6, 4, 0.1               # the speedup explorer's settings in the notebook
AGREEMENT = 0.5                         # the acceptance explorer's (position 0, 12 tokens, seed 0)
CELLS = (
    "import ipywidgets\nprint(ipywidgets.__version__)",
    f"from speclab.widgets import speedup_explorer\ne = speedup_explorer(alpha={ALPHA}, k={K}, c={C})\ne",
    f"from speclab.widgets import acceptance_explorer\na = acceptance_explorer(agreement={AGREEMENT})\na",
    # Records, for each frame a page event schedules, whether the kernel ran an asyncio loop then.
    "import asyncio\nscheduled, _schedule = [], e.schedule\n"
    "def _on_loop():\n    try:\n        return asyncio.get_running_loop() is not None\n"
    "    except RuntimeError:\n        return False\n"
    "e.schedule = lambda callback: (scheduled.append(_on_loop()), _schedule(callback))",
)
ARROW_PRESSES = 3


def classic_python() -> Path:
    """The classic stack's Python, or a failure saying how to build it (never a skip)."""
    if not STAMP.is_file():
        pytest.fail(f"{CLASSIC} is missing or half-built (no {STAMP.name}): run `make classic`")
    return CLASSIC_PYTHON


def _write_notebook(root: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / NAME)


def _start_classic(python: Path, root: Path, port: int, token: str, home: Path) -> subprocess.Popen:
    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_DATA_DIR=str(home / "data"),
               PYTHONPATH=str(ROOT))
    command = [str(python), "-m", "notebook", "--no-browser", "--NotebookApp.ip=127.0.0.1",
               f"--NotebookApp.port={port}", "--NotebookApp.port_retries=0", f"--NotebookApp.token={token}",
               f"--NotebookApp.notebook_dir={root}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")   # CI containers run as root
    log = open(home / "notebook.log", "wb")
    return subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _kernel_idle(driver) -> bool:
    return driver.execute_script(
        "const icon = document.querySelector('#kernel_indicator_icon');"
        "return !!(window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel"
        " && Jupyter.notebook.kernel.is_connected() && icon && icon.classList.contains('kernel_idle_icon'));")


def _all_cells_ran(driver) -> bool:
    return _kernel_idle(driver) and driver.execute_script(
        "return Jupyter.notebook.get_cells().every(c => c.cell_type !== 'code'"
        " || (c.input_prompt_number !== undefined && c.input_prompt_number !== null"
        "     && c.input_prompt_number !== '*'));")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The generated notebook open in the classic Notebook with every cell run: (driver, wait, explorers)."""
    chromium, chromedriver = browser._browser_paths()
    if not (chromium and chromedriver):
        pytest.skip("no Chromium/chromedriver here (apt-get install chromium chromium-driver)")
    python = classic_python()
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    tmp_path = tmp_path_factory.mktemp("classic")
    root, home = tmp_path / "root", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    _write_notebook(root)
    port, token = browser._free_port(), uuid.uuid4().hex
    server = _start_classic(python, root, port, token, home)
    driver = None
    try:
        browser._wait_for_server(port, token, server)
        driver = browser._driver(chromium, chromedriver)
        wait = WebDriverWait(driver, 120, poll_frequency=0.5)
        driver.get(f"http://127.0.0.1:{port}/notebooks/{NAME}?token={token}")
        wait.until(_kernel_idle)
        driver.execute_script("Jupyter.notebook.execute_all_cells();")
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".speclab-explorer img")) == 2)
        wait.until(_all_cells_ran)
        explorers = driver.find_elements(By.CSS_SELECTOR, ".speclab-explorer")
        yield driver, wait, explorers
    finally:
        if driver is not None:
            driver.quit()
        browser._stop(server)
        print((home / "notebook.log").read_text(errors="replace")[-3000:])   # shown if a test failed


def _kernel_says(driver, code: str) -> str:
    """What `code` prints when the page's kernel runs it."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "Jupyter.notebook.kernel.execute(arguments[0], {iopub: {output: m => done(m.content.text || '')}});", code)


def _value(explorer, name: str) -> str:
    from selenium.webdriver.common.by import By

    return explorer.find_element(By.CSS_SELECTOR, f".speclab-readout-{name} .speclab-value").text


def _image(explorer) -> str:
    from selenium.webdriver.common.by import By

    return explorer.find_element(By.CSS_SELECTOR, "img").get_attribute("src")


def _press_right(driver, explorer, slider_index: int):
    """Focus the slider's handle and press the right arrow; returns the slider's readout element."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    slider = explorer.find_elements(By.CSS_SELECTOR, ".widget-hslider")[slider_index]
    handle = slider.find_element(By.CSS_SELECTOR, ".ui-slider-handle")   # jQuery UI's slider in ipywidgets 7
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", handle)
    handle.click()
    for _ in range(ARROW_PRESSES):
        handle.send_keys(Keys.ARROW_RIGHT)
        time.sleep(0.2)
    return slider.find_element(By.CSS_SELECTOR, ".widget-readout")


def _settled(driver, wait, readout, start: float, expected) -> float:
    """Wait until the slider left `start` and the readout shows `expected(value)`; then check it stays."""
    wait.until(lambda d: browser._number(readout.text) != start)
    wait.until(lambda d: expected(browser._number(readout.text)) is True)
    time.sleep(2)                                   # every key press has reached the kernel
    value = browser._number(readout.text)
    assert expected(value) is True
    return value


def test_the_page_runs_ipywidgets_7(page):
    from selenium.webdriver.common.by import By

    driver, _, _ = page
    printed = driver.find_elements(By.CSS_SELECTOR, ".output_subarea.output_stream")[0].text.strip()
    assert printed.startswith("7."), f"the classic stack must run ipywidgets 7 (Colab's); the kernel has {printed}"


def test_the_front_end_shows_the_widgets_not_their_static_images(page):
    """Each explorer's output also carries a PNG for static viewers; a live page shows the widget only."""
    from selenium.webdriver.common.by import By

    driver, _, explorers = page
    assert len(explorers) == 2
    assert len(driver.find_elements(By.CSS_SELECTOR, ".output_area img")) == 2, "one figure per explorer"


def test_speedup_slider_moves_readout_and_figure(page, tmp_path):
    driver, wait, explorers = page
    explorer = explorers[0]
    assert _value(explorer, "speedup") == f"{sl.speedup(ALPHA, K, C):.3f}"
    before = _image(explorer)
    readout = _press_right(driver, explorer, 0)                         # the first slider is alpha
    alpha = _settled(driver, wait, readout, ALPHA,
                     lambda a: _value(explorer, "speedup") == f"{sl.speedup(a, K, C):.3f}")
    assert alpha > ALPHA
    assert _value(explorer, "expected_tokens") == f"{sl.expected_tokens(alpha, K):.3f}"
    assert _image(explorer) != before, "the figure must be redrawn"
    driver.save_screenshot(str(tmp_path / "classic_speedup.png"))
    # The key presses reached the kernel as page events (ipywidgets 7's property lock) and each
    # scheduled frame went onto the kernel's asyncio loop, where queued events coalesce.
    scheduled = _kernel_says(driver, "print(len(scheduled), all(scheduled), e.frames)").split()
    print(f"{ARROW_PRESSES} key presses: {scheduled[0]} frames scheduled on the kernel's loop, "
          f"{scheduled[2]} frames drawn in all")
    assert 1 <= int(scheduled[0]) <= ARROW_PRESSES and scheduled[1] == "True", scheduled


def test_acceptance_slider_moves_readout_and_figure(page):
    driver, wait, explorers = page
    explorer = explorers[1]

    def alpha_at(agreement: float) -> str:
        pair = SyntheticPair(vocab_size=12, agreement=agreement, seed=0)
        return f"{sl.acceptance_rate(pair.target(0), pair.draft(0)):.3f}"

    assert _value(explorer, "alpha") == alpha_at(AGREEMENT)
    before = _image(explorer)
    readout = _press_right(driver, explorer, 0)                         # the first slider is agreement
    agreement = _settled(driver, wait, readout, AGREEMENT, lambda g: _value(explorer, "alpha") == alpha_at(g))
    assert agreement > AGREEMENT and alpha_at(agreement) != alpha_at(AGREEMENT)
    assert _image(explorer) != before, "the figure must be redrawn"
