#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Drives headless Chromium (Selenium) through the status page of a running
fleet that status_page_test.cpp started: token entry, every node online, a
new alarm, a line written on a node shown in the log view after a pull, a
node killed -9 turning `lost` on the open page (never reloaded), a phone-sized
window without sideways scrolling. Exits 0 when every check held; otherwise
prints what failed and saves the page next to the screenshot."""

import argparse
import json
import os
import signal
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

DEADLINE_S = 120  # generous: a slow machine makes the test slower, not red


class Failed(Exception):
    pass


def wait_for(what, condition, deadline_s=DEADLINE_S):
    """Re-checks `condition` every 200 ms until it returns a true value."""
    end = time.monotonic() + deadline_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise Failed("timed out waiting for " + what)
        time.sleep(0.2)


class Api:
    def __init__(self, url, token):
        self.url, self.token = url, token

    def call(self, method, path):
        req = urllib.request.Request(self.url + path, method=method, data=b"" if method == "POST" else None)
        req.add_header("Authorization", "Bearer " + self.token)
        with urllib.request.urlopen(req, timeout=30) as res:
            return json.loads(res.read())


def node_state(driver, node):
    return driver.execute_script(
        "const e = document.querySelector(`tr[data-node='${arguments[0]}'] [data-state]`);"
        "return e ? e.dataset.state + '|' + e.textContent : null;", node)


def node_cell(driver, node, header):
    """The text of `node`'s cell in the column headed `header`."""
    return driver.execute_script(
        "const heads = [...document.querySelectorAll('#nodes thead th')].map((h) => h.textContent);"
        "const row = document.querySelector(`tr[data-node='${arguments[0]}']`);"
        "const at = heads.indexOf(arguments[1]);"
        "return row && at >= 0 ? row.cells[at].textContent : null;", node, header)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--nodes", required=True, help="comma-separated node ids")
    ap.add_argument("--log-node", required=True, help="node whose source file is --log-file")
    ap.add_argument("--log-file", required=True)
    ap.add_argument("--kill-node", required=True)
    ap.add_argument("--kill-pid", type=int, required=True)
    ap.add_argument("--screenshot", required=True)
    ap.add_argument("--master-id", required=True, help="the id of the master serving the page")
    args = ap.parse_args()
    api = Api(args.url, args.token)

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=1280,1100", "--no-first-run", "--disable-extensions"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        run(driver, api, args)
    except Exception as e:  # a failed check or a Selenium error: show the page
        sys.stderr.write("FAILED: %s\n" % e)
        try:
            driver.save_screenshot(args.screenshot + ".failed.png")
            sys.stderr.write(driver.find_element(By.TAG_NAME, "body").text[:4000] + "\n")
            for entry in driver.get_log("browser"):
                sys.stderr.write("console: %s\n" % entry)
        except Exception:
            pass
        return 1
    finally:
        driver.quit()
    print("status page: all checks passed")
    return 0


def run(driver, api, args):
    nodes = args.nodes.split(",")
    # The only page load: everything below happens on the open page.
    driver.get(args.url + "/")
    wait_for("the token form", lambda: driver.find_element(By.ID, "token-form").is_displayed())
    driver.find_element(By.ID, "token").send_keys(args.token)
    driver.find_element(By.CSS_SELECTOR, "#token-form button").click()

    for node in nodes:
        wait_for(node + " online", lambda n=node: node_state(driver, n) == "online|online")
    print("every node is listed online")
    for node in nodes:
        wait_for(node + " health ok", lambda n=node: node_cell(driver, n, "Health") == "ok")
    print("every node reports its health ok")
    for node in nodes:
        wait_for(node + " owned by " + args.master_id,
                 lambda n=node: node_cell(driver, n, "Owner") == args.master_id)
    wait_for("one master alive", lambda: driver.find_element(
        By.CSS_SELECTOR, "[data-summary=masters] dd").text == "1")
    print("the summary counts the masters alive and the owner column names this one")

    marker = "browser-alarm-%d" % os.getpid()
    with open(args.log_file, "a") as f:
        f.write("FATAL disk on fire " + marker + "\n")
    wait_for("the new alarm in the list",
             lambda: marker in driver.find_element(By.ID, "alarms").text)
    wait_for("the critical count",
             lambda: driver.find_element(By.CSS_SELECTOR, "[data-severity=critical] dd").text != "0")
    print("the new alarm appeared")

    line = "browser-log-line-%d written on the node" % os.getpid()
    with open(args.log_file, "a") as f:
        f.write(line + "\n")
    driver.find_element(By.CSS_SELECTOR, "tr[data-node='%s'] a" % args.log_node).click()
    pull = {"id": None}

    def line_shown():
        if line in driver.find_element(By.ID, "log-view").text:
            return True
        # The agent may not have read the line at the first pull: pull again
        # once the last one is over.
        if pull["id"] is None or api.call("GET", "/api/v1/pulls/" + pull["id"]).get("finished"):
            pull["id"] = api.call("POST", "/api/v1/nodes/%s/pull" % args.log_node)["request_id"]
        return False
    wait_for("the written line in the log view", line_shown)
    print("the log view shows the line written on the node")
    driver.save_screenshot(os.path.join(os.path.dirname(args.screenshot), "status-page-node.png"))

    driver.find_element(By.LINK_TEXT, "← all nodes").click()
    wait_for("the fleet view", lambda: driver.find_element(By.ID, "nodes").is_displayed())
    os.kill(args.kill_pid, signal.SIGKILL)
    wait_for(args.kill_node + " lost", lambda: node_state(driver, args.kill_node) == "lost|lost")
    wait_for("the summary counting it", lambda: driver.find_element(
        By.CSS_SELECTOR, "[data-summary=lost] dd").text == "1")
    print("the killed node turned lost without a reload")
    driver.save_screenshot(args.screenshot)

    driver.set_window_size(390, 844)
    wait_for("a phone-sized layout without sideways scrolling", lambda: driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1;"), 30)
    print("usable at phone width")


if __name__ == "__main__":
    sys.exit(main())
