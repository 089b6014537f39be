#!/usr/bin/python3
"""The aether-api dashboard in headless Chromium, driven by DashboardBrowserTests.

Environment: AETHER_URL (the API), AETHER_TOKEN, AETHER_SCREENSHOTS (a folder).
Prints "READY live" once three sessions show, expects the test to start a fourth and grow the
first one's counters, then checks the page followed without a reload, expands customer details,
checks the traffic chart, provisions a service in the console and disconnects a session from
the table. Prints "RESULT ok" when every check passed; any failure raises with its reason.
"""
import json
import os
import sys
import traceback
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ["AETHER_URL"]
TOKEN = os.environ["AETHER_TOKEN"]
SHOTS = os.environ["AETHER_SCREENSHOTS"]


def log(*args):
    print(*args, flush=True)


def api(path):
    with urllib.request.urlopen(BASE + path, timeout=10) as response:
        return json.load(response)


options = Options()
for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1440,1000"]:
    options.add_argument(flag)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
# The page re-renders rows as the feed updates them: an element found a moment ago may be gone.
wait = WebDriverWait(driver, 40, ignored_exceptions=(StaleElementReferenceException,))


def rows(table="#tab-active"):
    return driver.find_elements(By.CSS_SELECTOR, f"{table} tbody tr.row")


def full_page(name):
    """A screenshot of the whole page, not just the window."""
    height = driver.execute_script("return Math.max(document.documentElement.scrollHeight, document.querySelector('main').scrollHeight, 900)")
    driver.set_window_size(1440, min(height + 40, 4000))
    driver.save_screenshot(os.path.join(SHOTS, name))
    driver.set_window_size(1440, 1000)


def click_in_row(needle, selector, table="#tab-active"):
    """Clicks `selector` in the first row containing `needle` (inside a wait: rows re-render)."""
    for row in rows(table):
        if needle in row.text:
            row.find_element(By.CSS_SELECTOR, selector).click()
            return True
    return False


def text(selector):
    return driver.find_element(By.CSS_SELECTOR, selector).text


try:
    driver.get(BASE + "/")
    # Nothing secret is in the served page.
    assert TOKEN not in driver.page_source, "the token must never be embedded in a page"
    wait.until(lambda d: text("#card-sessions .value") == "3")
    wait.until(lambda d: len(rows()) == 3)
    wait.until(lambda d: "live" in text("#live"))
    reloads = driver.execute_script("window.__marker = 42; return window.__marker")
    log("READY live")

    # The test now starts a fourth session and pushes the first one's counter to 5 GB.
    wait.until(lambda d: text("#card-sessions .value") == "4")
    wait.until(lambda d: len(rows()) == 4)
    wait.until(lambda d: any("5.00 GB" in cell.text for cell in d.find_elements(By.CSS_SELECTOR, "#tab-active .bytes-down")))
    assert driver.execute_script("return window.__marker") == reloads, "the page must update without a reload"
    log("live updates arrived without a reload")

    # Traffic: the card's rolling average and the chart both have data.
    wait.until(lambda d: float(d.find_element(By.CSS_SELECTOR, "#card-traffic .value").get_attribute("data-bps") or 0) > 0)
    points = driver.execute_script("const c = Chart.getChart('traffic'); return c ? c.data.datasets[0].data.filter(p => p.y > 0).length : -1")
    assert points > 0, f"the traffic chart drew no traffic ({points})"
    health = driver.execute_script("const c = Chart.getChart(document.querySelector('#bngs canvas')); return c ? c.data.datasets[0].data.length : -1")
    assert health > 0, "the BNG health chart has samples"
    full_page("dashboard.png")

    # Customer details expand on the provisioned line.
    wait.until(lambda d: click_in_row("an-b1/1", "button.expand"))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".customer-details") and "Ada" in text(".customer-details"))
    driver.save_screenshot(os.path.join(SHOTS, "customer-details.png"))
    log("customer details expanded")

    # Unlock with the token, then provision a service through the console.
    driver.find_element(By.ID, "token-input").send_keys(TOKEN)
    driver.find_element(By.CSS_SELECTOR, "#token-form button[type=submit]").click()
    wait.until(lambda d: "changes enabled" in text("#token-state"))
    before = api("/api/services")["total"]
    driver.get(BASE + "/#/provisioning")
    wait.until(lambda d: len(rows("#tab-services")) == before)
    driver.find_element(By.ID, "create").click()
    wait.until(EC.visibility_of_element_located((By.ID, "dialog")))
    wait.until(lambda d: len(Select(d.find_element(By.NAME, "customer_id")).options) > 2)
    Select(driver.find_element(By.NAME, "customer_id")).select_by_index(2)
    Select(driver.find_element(By.CSS_SELECTOR, ".pick-bng")).select_by_visible_text("bng-b1")
    Select(driver.find_element(By.CSS_SELECTOR, ".pick-router")).select_by_visible_text("an-b1")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".port.free"))
    assert driver.find_elements(By.CSS_SELECTOR, ".port.used"), "port 1 is taken by the seeded service"
    driver.find_elements(By.CSS_SELECTOR, ".port.free")[0].click()
    Select(driver.find_element(By.NAME, "plan_id")).select_by_index(1)
    driver.save_screenshot(os.path.join(SHOTS, "provisioning-dialog.png"))
    driver.find_element(By.CSS_SELECTOR, "#dialog button.submit").click()
    wait.until(lambda d: "provisioned" in text("#notice"))
    wait.until(lambda d: len(rows("#tab-services")) == before + 1)
    assert api("/api/services")["total"] == before + 1
    driver.save_screenshot(os.path.join(SHOTS, "provisioning.png"))
    log("service provisioned through the console")

    # Disconnect a session from the table: the BNG stand-in answers and stops it.
    driver.get(BASE + "/#/dashboard")
    wait.until(lambda d: len(rows()) == 4)
    wait.until(lambda d: click_in_row("an-b1/2", "button.disconnect"))
    wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#dialog button.yes")))
    driver.find_element(By.CSS_SELECTOR, "#dialog button.yes").click()
    wait.until(lambda d: "Disconnect-ACK" in text("#notice"))
    wait.until(lambda d: len(rows()) == 3 and not any("an-b1/2" in r.text for r in rows()))
    wait.until(lambda d: text("#card-sessions .value") == "3")
    log("disconnect from the table ended the session")

    # The customer page.
    driver.get(BASE + "/#/customers/1")
    wait.until(lambda d: len(rows("#sessions")) == 1)
    full_page("customer.png")
    log("RESULT ok")
except Exception as error:  # the Swift test reads the log
    driver.save_screenshot(os.path.join(SHOTS, "failure.png"))
    log("RESULT failed:", repr(error))
    traceback.print_exc(file=sys.stdout)
    log(driver.execute_script("return document.getElementById('notice').textContent") or "")
    for entry in driver.get_log("browser"):
        log("console:", entry)
    sys.exit(1)
finally:
    driver.quit()
