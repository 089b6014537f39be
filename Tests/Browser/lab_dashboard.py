#!/usr/bin/python3
"""The lab's dashboard in headless Chromium, driven by LabEndToEndTests.

Environment: AETHER_URL (the lab's aether-api), AETHER_TOKEN, AETHER_SCREENSHOTS (a folder).
Checks what a newcomer looks at first: the active-traffic card shows a rate above zero, and the
live sessions' byte counts rise without a reload within 60 s; then the Lab page: every node of
the topology drawn with its state, and a demo command run on an authorized host with the token,
its exit code shown. Prints "RESULT ok" when all hold; any failure raises with its reason.
"""
import os

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["AETHER_URL"]
TOKEN = os.environ["AETHER_TOKEN"]
SHOTS = os.environ["AETHER_SCREENSHOTS"]

options = Options()
for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1440,1000"]:
    options.add_argument(flag)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(seconds):
    """A wait that retries when the live page replaced an element between finding and reading it."""
    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,))


def text(selector):
    return driver.find_element(By.CSS_SELECTOR, selector).text


def click(selector):
    """Clicks inside a wait: the topology re-renders its nodes with every status update."""
    def attempt(d):
        d.find_element(By.CSS_SELECTOR, selector).click()
        return True
    wait(20).until(attempt)


try:
    driver.get(BASE + "/")
    wait(90).until(
        lambda d: float(d.find_element(By.CSS_SELECTOR, "#card-traffic .value").get_attribute("data-bps") or 0) > 0)
    rate = driver.find_element(By.CSS_SELECTOR, "#card-traffic .value").text
    print("traffic card:", rate, flush=True)
    first = text("#card-sessions .sub")
    print("sessions' bytes:", first, flush=True)
    wait(60).until(lambda d: text("#card-sessions .sub") != first)
    print("sessions' bytes later:", text("#card-sessions .sub"), flush=True)
    driver.save_screenshot(os.path.join(SHOTS, "lab-dashboard.png"))

    # The Lab page: the topology with live state.
    driver.get(BASE + "/#/lab")
    wait(30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "svg.topology g.node.host")) == int(os.environ["AETHER_HOSTS"]))
    states = {g.get_attribute("data-id"): g.get_attribute("data-status") for g in driver.find_elements(By.CSS_SELECTOR, "svg.topology g.node")}
    print("lab nodes:", states, flush=True)
    assert list(states.values()).count("AUTHORIZED") >= 2, states
    assert "REJECTED" in states.values(), states
    assert all(states[b] == "online" for b in states if b.startswith("bng-")), states
    host = next(name for name, state in sorted(states.items()) if state == "AUTHORIZED")
    # Unlock with the token, pick the host by clicking it, run the first curl command.
    driver.find_element(By.ID, "token-input").send_keys(TOKEN)
    driver.find_element(By.CSS_SELECTOR, "#token-form button[type=submit]").click()
    click(f'svg.topology g.node.host[data-id="{host}"]')
    choice = next(o for o in driver.find_elements(By.CSS_SELECTOR, "#demo-command option") if o.get_attribute("value").startswith("curl|"))
    choice.click()
    assert driver.find_element(By.ID, "demo-host").get_attribute("value") == host
    driver.find_element(By.ID, "demo-run").click()
    wait(60).until(lambda d: d.find_elements(By.ID, "demo-exit"))
    exit_text = driver.find_element(By.ID, "demo-exit").text
    print("demo on", host, ":", exit_text, driver.find_element(By.CSS_SELECTOR, "#demo-status .mono").text, flush=True)
    assert exit_text == "exit 0", exit_text
    driver.save_screenshot(os.path.join(SHOTS, "lab-topology.png"))
    print("RESULT ok", flush=True)
finally:
    driver.quit()
