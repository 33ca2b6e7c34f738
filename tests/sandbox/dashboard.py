# Copyright 2026 The nova-docker authors
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""The sandbox's dashboard as a person uses it: Chromium, driven by
selenium, clicking through Horizon's pages.

Debian's ``chromium`` and ``chromium-driver`` (``tools/services.sh`` with
``WITH_BROWSER=1`` installs them), headless, with a profile of its own per
session: nothing is downloaded and no stored login is reused.

``python -m tests.sandbox.dashboard --screenshots DIR`` (``tools/
screenshots.sh``) regenerates the screenshots of the documentation from a
running sandbox.
"""

import argparse
import os
import re
import shutil
import tempfile
import time

from selenium.common import exceptions
from selenium import webdriver
from selenium.webdriver.chrome import service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support import select
from selenium.webdriver.support import wait
import yaml

CHROMEDRIVER = '/usr/bin/chromedriver'
# Horizon renders a page in a few seconds on a busy host; nova takes
# longer to create a server or change its state while the test suite's
# other worker keeps the cores busy.
PAGE_TIMEOUT = 60
SERVER_TIMEOUT = 180
WINDOW = (1600, 1000)
# The row actions Horizon asks to confirm.
CONFIRMED = ('soft_reboot', 'reboot', 'stop', 'delete')
# An upload goes browser -> Horizon -> glance.
IMAGE_TIMEOUT = 180
# Seconds between reloads of a page Horizon updates itself.
RELOAD = 15

TABLE_SCRIPT = """
const table = document.querySelector(arguments[0]);
if (!table) return [];
const titles = [...table.querySelectorAll('thead tr')]
    .map(tr => [...tr.querySelectorAll('th')]).filter(ths => ths.length)
    .pop().map(th => th.innerText.trim());
return [...table.querySelectorAll('tbody tr')]
    .map(tr => [tr, [...tr.children].map(td => td.innerText.trim())])
    .filter(([tr, cells]) => cells.length == titles.length)
    .map(([tr, cells]) => Object.fromEntries(
        [['#id', tr.id]].concat(titles.map((title, i) => [title, cells[i]]))));
"""


class DashboardError(AssertionError):
    """What the dashboard showed instead of what was expected."""


class Dashboard:

    def __init__(self, url, screenshots=None):
        self.url = url.rstrip('/')
        self.screenshots = screenshots
        self._profile = tempfile.mkdtemp(prefix='nova-docker-chromium-')
        options = webdriver.ChromeOptions()
        for argument in ('--headless=new', '--disable-dev-shm-usage',
                         # Chromium's own sandbox refuses to run as root.
                         '--no-sandbox',
                         '--window-size=%d,%d' % WINDOW,
                         '--user-data-dir=' + self._profile):
            options.add_argument(argument)
        self.browser = webdriver.Chrome(service=service.Service(CHROMEDRIVER),
                                        options=options)

    def close(self):
        try:
            self.browser.quit()
        finally:
            shutil.rmtree(self._profile, ignore_errors=True)

    # --- pages ----------------------------------------------------------

    def go(self, path):
        self.browser.get(self.url + path)
        return self.wait_for(By.CSS_SELECTOR, '#content_body, #loginBtn')

    def wait_for(self, by, value, timeout=PAGE_TIMEOUT):
        return wait.WebDriverWait(self.browser, timeout).until(
            expected_conditions.visibility_of_element_located((by, value)))

    def wait_until(self, condition, what, timeout=PAGE_TIMEOUT):
        try:
            # Horizon redraws what is looked at: an element gone between
            # finding and using it is looked for again.
            return wait.WebDriverWait(
                self.browser, timeout, poll_frequency=0.5,
                ignored_exceptions=(exceptions.NoSuchElementException,
                                    exceptions.StaleElementReferenceException)
            ).until(lambda browser: condition())
        except exceptions.TimeoutException:
            raise DashboardError('%s: not after %d s on %s%s' % (
                what() if callable(what) else what, timeout,
                self.browser.current_url, self._situation()))

    def _situation(self):
        """What a person would see: alerts and any open dialog."""
        dialogs = [e.text for e in self.browser.find_elements(
            By.CSS_SELECTOR, '.modal-dialog') if e.is_displayed()]
        return ''.join('\n' + text for text in self.messages() + dialogs)

    def find(self, css, within=None):
        return (within or self.browser).find_element(By.CSS_SELECTOR, css)

    def click(self, element):
        # Horizon's fixed header may cover an element scrolled just
        # below it: click as a script does.
        self.browser.execute_script('arguments[0].click();', element)

    def shot(self, name):
        if self.screenshots:
            self.browser.save_screenshot(
                os.path.join(self.screenshots, name + '.png'))

    def table(self, css='table'):
        """The rows of the table ``css`` as shown: column title -> text,
        and the row's element ID under ``#id``. Read in one script: Horizon
        replaces rows while they update."""
        return self.browser.execute_script(TABLE_SCRIPT, css)

    def messages(self):
        """The texts of the alerts Horizon shows on top of the page, each
        starting with its kind: "Success: ...", "Error: ..."."""
        return [e.text for e in self.browser.find_elements(
            By.CSS_SELECTOR, '.messages .alert, toast .alert')]

    def errors(self):
        """The alerts that report an error."""
        return [m for m in self.messages() if m.startswith('Error')]

    # --- session --------------------------------------------------------

    def login(self, user, password):
        self.go('/auth/login/')
        self.find('#id_username').send_keys(user)
        self.find('#id_password').send_keys(password)
        self.click(self.find('#loginBtn'))
        self.wait_for(By.CSS_SELECTOR, '#content_body')
        if '/auth/login' in self.browser.current_url:
            raise DashboardError('login as %s refused: %s'
                                 % (user, self.messages()))

    def logout(self):
        # Horizon logs out on a POST only; a new session is as good.
        self.browser.delete_all_cookies()

    # --- instances ------------------------------------------------------

    def _wizard_step(self, title):
        self.click(self.browser.find_element(By.XPATH, (
            "//div[contains(@class, 'modal-dialog')]//li"
            "//*[normalize-space(text())='%s']") % title))

    def _in_step(self, title, find):
        """What ``find`` finds once the wizard shows its step ``title``.

        A click on a step while Angular is still drawing the wizard can be
        lost on a busy host (CI saw the Source step never open): the step
        is clicked again until it shows what is looked for.
        """
        def shown():
            found = find()
            if not found:
                self._wizard_step(title)
            return found
        return self.wait_until(shown, "the wizard's %s step" % title)

    def _allocate(self, step, name):
        """Move the row named ``name`` of the wizard's ``step`` to
        Allocated, unless it is there already."""
        def button():
            for direction in ('down', 'up'):
                for e in self.browser.find_elements(By.XPATH, (
                        "//div[contains(@class, 'modal-dialog')]"
                        "//tr[td[normalize-space(.)='%s']]"
                        "//button[contains(@class, 'fa-arrow-%s')]")
                        % (name, direction)):
                    if e.is_displayed():
                        return direction, e
            return None
        direction, element = self._in_step(step, button)
        if direction == 'up':
            self.click(element)

    def launch(self, name, image, flavor, network=None, source='Image'):
        """Launch Instance, as a person fills it in: name, the image (or
        with ``source='Instance Snapshot'`` the snapshot) as source, the
        flavor, and ``network`` if given (Horizon allocates a project's
        only network itself). Returns the server's ID once its row is on
        the Instances page."""
        self.go('/project/instances/')
        self.click(self.find('#instances__action_launch-ng'))
        self.wait_for(By.CSS_SELECTOR,
                      '.modal-dialog input[name=name]').send_keys(name)
        select.Select(self._in_step('Source', lambda: [
            e for e in self.browser.find_elements(
                By.CSS_SELECTOR, '.modal-dialog select#boot-source-type')
            if e.is_displayed()])[0]).select_by_visible_text(source)
        self._allocate('Source', image)
        self._allocate('Flavor', flavor)
        if network:
            self._allocate('Networks', network)
        # The wizard may have said it could not load something a launch
        # does not need (server groups, quotas): what counts is what it
        # says once Launch Instance is clicked.
        before = self.errors()
        self.click(self.find('.modal-dialog button.finish'))

        def launched():
            errors = [m for m in self.errors() if m not in before]
            if errors:
                raise DashboardError('launching %s: %s' % (name, errors))
            return self.instance_id(name)
        return self.wait_until(launched, 'instance %s in the table' % name,
                               SERVER_TIMEOUT)

    def instance_id(self, name):
        """The ID of the row named ``name`` on the page, if there is one."""
        for server_id, row in self.instances(reload=False).items():
            if row['Instance Name'] == name:
                return server_id
        return None

    def instances(self, reload=True):
        """The Instances page's rows by server ID, each column title ->
        text (Status, Power State, Task, ...); ``reload=False``: as the
        open page shows them now (Horizon updates a row in transition
        itself)."""
        if reload or not self.browser.current_url.endswith(
                '/project/instances/'):
            self.go('/project/instances/')
        prefix = 'instances__row__'
        return {row['#id'][len(prefix):]: row
                for row in self.table('#instances')
                if row['#id'].startswith(prefix)}

    def instance(self, server_id, reload=True):
        """The row of ``server_id`` (see ``instances``), {} if none."""
        return self.instances(reload).get(server_id, {})

    def wait_instance(self, server_id, status, power_state,
                      timeout=SERVER_TIMEOUT):
        """Wait until the row says ``status`` and ``power_state`` with no
        task, watching the page update its row, reloading it now and then
        as a person would."""
        seen = {}
        reloaded = [time.monotonic()]

        def settled():
            reload = time.monotonic() - reloaded[0] > RELOAD
            if reload:
                reloaded[0] = time.monotonic()
            seen.update(self.instance(server_id, reload))
            if seen.get('Status') == 'Error':
                raise DashboardError('%s went to Error' % server_id)
            return (seen.get('Status'), seen.get('Power State'),
                    seen.get('Task')) == (status, power_state, 'None')
        self.wait_until(settled, lambda: '%s %s/%s (last seen: %s)' % (
            server_id, status, power_state, seen), timeout)

    def act(self, server_id, action):
        """Click the row action ``action`` (its Horizon name: soft_reboot,
        reboot, stop, start, pause, ...) and confirm it if Horizon asks."""
        self.instance(server_id, reload=False)
        button = self.find('#instances__row_%s__action_%s'
                           % (server_id, action))
        if not button.is_displayed():
            self.click(self.find('#instances__row__%s td.actions_column '
                                 '.dropdown-toggle' % server_id))
        page = self.find('html')
        self.click(button)
        if action in CONFIRMED:
            self.click(self.wait_for(
                By.CSS_SELECTOR, '.modal-dialog .modal-footer .btn-danger'))
        # The action posts the row's form: the page it answers replaces
        # this one, with Horizon's verdict on top.
        wait.WebDriverWait(self.browser, PAGE_TIMEOUT).until(
            expected_conditions.staleness_of(page))
        self.wait_for(By.CSS_SELECTOR, '#content_body')
        errors = self.errors()
        if errors:
            raise DashboardError('%s on %s: %s' % (action, server_id, errors))

    def console_log(self, server_id):
        """The text of the instance's Log tab."""
        self.go('/project/instances/%s/?tab=instance_details__log'
                % server_id)
        return self.wait_for(By.CSS_SELECTOR, 'pre.logs').text

    def fault(self, server_id):
        """The Fault message on the instance's Overview, '' if none."""
        self.go('/project/instances/%s/' % server_id)
        overview = self.find('#content_body').text
        match = re.search(r'^Fault\s*\nMessage\s*\n(.*)$', overview, re.M)
        return match.group(1) if match else ''

    def snapshot(self, server_id, name):
        """Create Snapshot, named ``name``; returns its row on the Images
        page once Active."""
        self.instance(server_id, reload=False)
        self.click(self.find('#instances__row_%s__action_snapshot'
                             % server_id))
        self.wait_for(By.CSS_SELECTOR,
                      '.modal-dialog #id_name').send_keys(name)
        self.click(self.find('.modal-dialog .modal-footer .btn-primary'))
        self.wait_until(lambda: self.browser.current_url.endswith(
            '/project/images'), 'the Images page after the snapshot')
        return self.wait_image(name)

    def images(self):
        """The Images page's rows, by image name."""
        self.go('/project/images')
        # Angular fills the table once the page is there.
        rows = self.wait_until(lambda: self.table('hz-resource-table table'),
                               'the images table')
        return {row['Name']: row for row in rows}

    def hypervisors(self):
        """Admin > Compute > Hypervisors: the hypervisors' rows."""
        self.go('/admin/hypervisors/')
        return self.table('#hypervisors')

    def create_image(self, name, path, image_format='Docker'):
        """Images > Create Image: upload the file ``path`` as ``name`` in
        ``image_format``; returns its row once Active."""
        self.images()
        self.click(self.wait_until(lambda: next(iter(
            e for e in self.browser.find_elements(
                By.CSS_SELECTOR, 'actions button')
            if e.text.strip() == 'Create Image'), None),
            'the Create Image button'))
        self.wait_for(By.CSS_SELECTOR, '#imageForm-name').send_keys(name)
        self.find('input[name=image_file]').send_keys(path)
        select.Select(self.find('#imageForm-format')).select_by_visible_text(
            image_format)
        self.click(self.find('.modal-dialog .modal-footer button.finish'))
        return self.wait_image(name)

    def wait_image(self, name):
        """The Images page's row of ``name`` once it says Active."""
        row = {}

        def active():
            row.update(self.images().get(name, {}))
            return row.get('Status') == 'Active'
        self.wait_until(active, lambda: 'image %s Active (last seen: %s)'
                        % (name, row), IMAGE_TIMEOUT)
        return row


def screenshots(directory, clouds_yaml, url):
    """Screenshots of the main pages, with a server launched for them
    (and deleted after) if the demo project has none running."""
    with open(clouds_yaml) as f:
        clouds = yaml.safe_load(f)['clouds']
    os.makedirs(directory, exist_ok=True)
    browser = Dashboard(url, directory)
    try:
        demo = clouds['nova-docker-demo']['auth']
        browser.login(demo['username'], demo['password'])
        running = [server_id
                   for server_id, row in browser.instances().items()
                   if row['Power State'] == 'Running']
        launched = None
        if not running:
            launched = browser.launch('web1', 'demo', 'm1.tiny')
            browser.wait_instance(launched, 'Active', 'Running')
            running = [launched]
        browser.instance(running[0])
        browser.shot('dashboard-instances')
        browser.console_log(running[0])
        browser.shot('dashboard-console-log')
        browser.images()
        browser.shot('dashboard-images')
        if launched:
            browser.act(launched, 'delete')
        browser.logout()
        admin = clouds['nova-docker']['auth']
        browser.login(admin['username'], admin['password'])
        browser.hypervisors()
        browser.shot('dashboard-hypervisors')
    finally:
        browser.close()


def main():
    parser = argparse.ArgumentParser(
        description="Screenshots of the running sandbox's dashboard.")
    parser.add_argument('--screenshots', required=True, metavar='DIR')
    parser.add_argument('--url', default='http://127.0.0.1:8080')
    parser.add_argument('--clouds-yaml', default=os.environ.get(
        'OS_CLIENT_CONFIG_FILE',
        os.path.expanduser('~/.config/openstack/clouds.yaml')))
    args = parser.parse_args()
    screenshots(args.screenshots, args.clouds_yaml, args.url)


if __name__ == '__main__':
    main()
