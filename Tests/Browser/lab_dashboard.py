#!/usr/bin/python3
"""The lab's dashboard in headless Chromium, driven by LabEndToEndTests.

Environment: AETHER_URL (the lab's aether-api), AETHER_SCREENSHOTS (a folder).
Checks what a newcomer looks at first: the active-traffic card shows a rate above zero, and the
live sessions' byte counts rise without a reload within 60 s. Prints "RESULT ok" when both hold;
any failure raises with its reason.
"""
import os

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["AETHER_URL"]
SHOTS = os.environ["AETHER_SCREENSHOTS"]

options = Options()
for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1440,1000"]:
    options.add_argument(flag)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def text(selector):
    return driver.find_element(By.CSS_SELECTOR, selector).text


try:
    driver.get(BASE + "/")
    WebDriverWait(driver, 90).until(
        lambda d: float(d.find_element(By.CSS_SELECTOR, "#card-traffic .value").get_attribute("data-bps") or 0) > 0)
    rate = driver.find_element(By.CSS_SELECTOR, "#card-traffic .value").text
    print("traffic card:", rate, flush=True)
    first = text("#card-sessions .sub")
    print("sessions' bytes:", first, flush=True)
    WebDriverWait(driver, 60).until(lambda d: text("#card-sessions .sub") != first)
    print("sessions' bytes later:", text("#card-sessions .sub"), flush=True)
    driver.save_screenshot(os.path.join(SHOTS, "lab-dashboard.png"))
    print("RESULT ok", flush=True)
finally:
    driver.quit()
