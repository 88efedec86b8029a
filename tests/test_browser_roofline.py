"""A real browser moves the batch slider of notebook 06's roofline explorer and reads the speedup.

The same pattern as test_browser.py, with its helpers (JupyterLab on 127.0.0.1 with a token,
headless Chromium through selenium, a clean copy of the notebook): run all cells, press the
right-arrow key on the batch-size slider, and check that the speedup readout becomes
`speclab.roofline.batch_speedup` at the slider's new value. Skips where Chromium is missing.
"""

import time
import uuid
from pathlib import Path

import pytest
import test_browser as browser   # the shared helpers live there (some are private: imported as they are)

from speclab import roofline as rl

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(480)]

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "06_why_verification_is_cheap.ipynb"
# The explorer's settings in notebook 06: a 7B model, int4 weights, on an H100 SXM; c = 0.05.
START_BATCH, ALPHA, K, C, BYTES_PER_PARAM = 32, 0.6, 4, 0.05, 0.5
HARDWARE = (7e9, rl.H100_SXM.bandwidth, rl.H100_SXM.peak_flops)
ARROW_PRESSES = 5
SPEEDUP_CSS = ".speclab-readout-speedup .speclab-value"
BATCH_SLIDER_XPATH = ".//div[contains(@class, 'widget-hslider')][.//label[normalize-space()='batch size']]"


def expected_speedup(batch) -> str:
    return f"{rl.batch_speedup(ALPHA, K, C, *HARDWARE, batch, BYTES_PER_PARAM):.3f}"


#: Cells of notebook 06 that time the offline model: minutes of CPU that the explorer does not need.
REAL_MODEL_CELLS = ("load_offline_model", "kernel_growth", "plot_kernel_growth", "thread_growth")


def _without_real_model(path: Path) -> None:
    """Drop the cells that load and time the real model; the roofline explorer needs none of them."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    kept = [c for c in nb.cells if c.cell_type != "code" or not any(w in c.source for w in REAL_MODEL_CELLS)]
    assert len(kept) < len(nb.cells), "notebook 06 no longer has the real-model cells this test drops"
    nb.cells = kept
    nbformat.write(nb, path)


def test_batch_slider_moves_the_speedup_readout(tmp_path, monkeypatch):
    chromium, chromedriver = browser._browser_paths()
    if not (chromium and chromedriver):
        pytest.skip("no Chromium/chromedriver here (apt-get install chromium chromium-driver)")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    root, home = tmp_path / "root", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    monkeypatch.setattr(browser, "NOTEBOOK", NOTEBOOK)      # _clean_copy copies the module's NOTEBOOK
    _without_real_model(browser._clean_copy(root))
    port, token = browser._free_port(), uuid.uuid4().hex
    server = browser._start_lab(root, port, token, home)
    driver = None
    try:
        browser._wait_for_server(port, token, server)
        driver = browser._driver(chromium, chromedriver)
        wait = WebDriverWait(driver, 300, poll_frequency=0.5)
        browser._open_and_run_all(driver, wait, port, token, NOTEBOOK.name)

        readout = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, SPEEDUP_CSS)))
        assert readout.text == expected_speedup(START_BATCH)
        assert float(readout.text) < 1.0, "the notebook's question: slower at batch 32"

        explorer = driver.find_element(By.CSS_SELECTOR, ".speclab-explorer")
        slider = explorer.find_element(By.XPATH, BATCH_SLIDER_XPATH)
        handle = slider.find_element(By.CSS_SELECTOR, ".noUi-handle")
        batch_text = slider.find_element(By.CSS_SELECTOR, ".widget-readout")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", handle)
        handle.click()
        for _ in range(ARROW_PRESSES):
            handle.send_keys(Keys.ARROW_RIGHT)
            time.sleep(0.2)
        wait.until(lambda d: browser._number(batch_text.text) != START_BATCH)
        batch = browser._number(batch_text.text)
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, SPEEDUP_CSS).text == expected_speedup(batch))
        # ... and it stays there: the kernel has caught up with every key press.
        time.sleep(2)
        batch = browser._number(batch_text.text)
        assert batch > START_BATCH
        assert driver.find_element(By.CSS_SELECTOR, SPEEDUP_CSS).text == expected_speedup(batch)
        edge = driver.find_element(By.CSS_SELECTOR, ".speclab-readout-breakeven_batch .speclab-value").text
        assert edge == f"{rl.breakeven_batch(ALPHA, K, C, *HARDWARE, BYTES_PER_PARAM):.1f}"
        driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", explorer)
        driver.save_screenshot(str(tmp_path / "roofline_explorer.png"))
        assert (tmp_path / "roofline_explorer.png").stat().st_size > 10_000
    finally:
        if driver is not None:
            driver.quit()
        browser._stop(server)
