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

"""requirements.txt against what the driver distribution imports: every
distribution it imports is named there, and nothing else is (the sandbox
and the tests have requirements of their own)."""

import ast
import importlib.metadata
import os
import re
import sys

import testtools

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# The packages setup.cfg ships.
SHIPPED = ('novadocker', os.path.join('nova', 'virt', 'docker'))
# Needed to build and install, never imported.
BUILD_ONLY = {'pbr'}


def _canonical(name):
    return re.sub(r'[-_.]+', '-', name).lower()


def _imported_modules():
    """Top-level modules the shipped packages import."""
    modules = set()
    for package in SHIPPED:
        for directory, _, files in os.walk(os.path.join(ROOT, package)):
            for name in files:
                if not name.endswith('.py'):
                    continue
                with open(os.path.join(directory, name)) as f:
                    tree = ast.parse(f.read())
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        modules.update(a.name.split('.')[0]
                                       for a in node.names)
                    elif isinstance(node, ast.ImportFrom) and not node.level:
                        modules.add(node.module.split('.')[0])
    return modules - set(sys.stdlib_module_names) - {'novadocker'}


def _required():
    with open(os.path.join(ROOT, 'requirements.txt')) as f:
        return {_canonical(re.split(r'[<>=!~;\[ ]', line.strip())[0])
                for line in f if line.strip() and not line.startswith('#')}


class RequirementsTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        distributions = importlib.metadata.packages_distributions()
        self.imported = {}
        for module in _imported_modules():
            # nova's namespace also holds this distribution's nova.virt.docker.
            names = {_canonical(d) for d in distributions.get(module, ())}
            self.imported[module] = names - {'nova-docker'}

    def test_every_imported_distribution_is_required(self):
        self.assertEqual(
            {}, {module: sorted(names) for module, names
                 in self.imported.items() if not names & _required()},
            'imported by the driver but not in requirements.txt')

    def test_nothing_else_is_required(self):
        imported = set().union(*self.imported.values())
        self.assertEqual(set(), _required() - imported - BUILD_ONLY,
                         'in requirements.txt but not imported by the '
                         'driver: the sandbox or the tests need it, not a '
                         'compute host')
