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

"""Sphinx configuration of nova-docker's documentation (tox -e docs)."""

import os
import sys

# The support matrix renderer lives next to the sources, not in the
# driver's distribution: compute hosts never need it.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__),
                                                '..', 'ext')))

extensions = [
    # show-options: the [docker] options from their oslo.config entry
    # point, so the reference cannot drift from novadocker/conf.py.
    'oslo_config.sphinxext',
    'support_matrix',
]

project = 'nova-docker'
copyright = '2026, The nova-docker authors'

source_suffix = {'.rst': 'restructuredtext'}
master_doc = 'index'

# Sphinx's own theme. openstackdocstheme would dress the pages as
# docs.openstack.org: the foundation's site header, an analytics tag, and a
# footer licensing the text under CC BY 3.0, where this project is Apache
# 2.0 throughout.
html_theme = 'alabaster'
html_theme_options = {
    'description': 'A Docker compute driver for OpenStack Nova',
    'fixed_sidebar': True,
}

# Colours of the support matrix's levels.
html_static_path = ['_static']
html_css_files = ['support-matrix.css']
