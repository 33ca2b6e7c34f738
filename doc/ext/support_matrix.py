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

"""The ``support-matrix`` directive: a support matrix file as a summary
table and one entry per operation.

The file is an INI file in the layout of nova's own support matrix::

    [driver.docker]
    title=Docker

    [operation.pause]
    title=Pause instance
    status=optional
    notes=What the operation is, in reStructuredText.
    cli=openstack server pause <server>
    driver.docker=complete
    driver-notes.docker=How this driver does it, in reStructuredText.

Anything the renderer does not understand (an unknown key, level or
status, a partial implementation without notes) is an error naming the
section: a matrix that is wrong is better refused than half shown.
"""

import configparser
import dataclasses
import re

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

DRIVER_PREFIX = 'driver.'
NOTES_PREFIX = 'driver-notes.'
OPERATION_PREFIX = 'operation.'
# nova's levels; "unknown" is for a driver nobody has checked.
LEVELS = ('complete', 'partial', 'missing', 'unknown')
# mandatory, optional, choice(group) or condition(expression), as nova.
_STATUS = re.compile(r'^(mandatory|optional|choice\([\w.-]+\)|'
                     r'condition\([^()]+\))$')


class MatrixError(Exception):
    pass


@dataclasses.dataclass
class Operation:
    key: str
    title: str
    status: str
    notes: str
    cli: list
    levels: dict
    driver_notes: dict

    @property
    def anchor(self):
        return nodes.make_id('operation-' + self.key)


@dataclasses.dataclass
class Matrix:
    # (key, title) in the order of the file.
    drivers: list
    operations: list


def _required(parser, section, key):
    value = parser.get(section, key, fallback='').strip()
    if not value:
        raise MatrixError('[%s] has no %s' % (section, key))
    return value


def load(path):
    """The Matrix in ``path``; MatrixError saying what is wrong where."""
    # No interpolation: notes may well hold a "%".
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding='utf-8') as f:
            parser.read_file(f)
    except (OSError, configparser.Error) as e:
        raise MatrixError(str(e)) from e
    drivers = [(section[len(DRIVER_PREFIX):],
                _required(parser, section, 'title'))
               for section in parser.sections()
               if section.startswith(DRIVER_PREFIX)]
    if not drivers:
        raise MatrixError('no [driver.NAME] section')
    keys = {'title', 'status', 'notes', 'cli'}
    for name, _title in drivers:
        keys.update((DRIVER_PREFIX + name, NOTES_PREFIX + name))
    operations = []
    for section in parser.sections():
        if section.startswith(DRIVER_PREFIX):
            continue
        if not section.startswith(OPERATION_PREFIX):
            raise MatrixError('[%s] is neither a driver nor an operation'
                              % section)
        unknown = set(parser.options(section)) - keys
        if unknown:
            raise MatrixError('[%s] has unknown keys: %s' % (
                section, ', '.join(sorted(unknown))))
        operations.append(_operation(parser, section, drivers))
    if not operations:
        raise MatrixError('no [operation.NAME] section')
    return Matrix(drivers, operations)


def _operation(parser, section, drivers):
    status = _required(parser, section, 'status')
    if not _STATUS.match(status):
        raise MatrixError('[%s] status %s is not mandatory, optional, '
                          'choice(GROUP) or condition(EXPRESSION)'
                          % (section, status))
    levels, driver_notes = {}, {}
    for name, _title in drivers:
        level = _required(parser, section, DRIVER_PREFIX + name)
        if level not in LEVELS:
            raise MatrixError('[%s] %s%s is %s, not one of %s' % (
                section, DRIVER_PREFIX, name, level, ', '.join(LEVELS)))
        levels[name] = level
        notes = parser.get(section, NOTES_PREFIX + name, fallback='')
        if level == 'partial' and not notes.strip():
            raise MatrixError('[%s] is partial for %s but has no %s%s '
                              'saying what is missing' % (
                                  section, name, NOTES_PREFIX, name))
        driver_notes[name] = notes.strip()
    cli = parser.get(section, 'cli', fallback='')
    return Operation(
        key=section[len(OPERATION_PREFIX):],
        title=_required(parser, section, 'title'),
        status=status,
        notes=_required(parser, section, 'notes'),
        cli=[command.strip() for command in cli.split(';')
             if command.strip()],
        levels=levels,
        driver_notes=driver_notes)


def _text_paragraph(text, classes=()):
    return nodes.paragraph('', '', nodes.Text(text), classes=list(classes))


def _level(level):
    # A class per level lets the stylesheet colour the cell.
    return _text_paragraph(level, ['sm-level', 'sm-' + level])


class SupportMatrixDirective(SphinxDirective):
    """``.. support-matrix:: path/to/support-matrix.ini``"""

    required_arguments = 1
    has_content = False

    def run(self):
        relative, path = self.env.relfn2path(self.arguments[0])
        # Editing the matrix alone must rebuild the page.
        self.env.note_dependency(relative)
        try:
            matrix = load(path)
        except MatrixError as e:
            raise self.error('%s: %s' % (self.arguments[0], e))
        self._source = path
        return [self._summary(matrix), self._details(matrix)]

    def _rst(self, text):
        """Nodes of ``text``, a note in reStructuredText.

        Parsed here, so a mistake in a note is reported like any other
        in the documentation.
        """
        holder = nodes.container()
        self.state.nested_parse(
            StringList(text.splitlines(), source=self._source), 0, holder)
        return holder.children

    def _summary(self, matrix):
        table = nodes.table(classes=['sm-summary'])
        group = nodes.tgroup(cols=2 + len(matrix.drivers))
        table += group
        for width in [50, 20] + [15] * len(matrix.drivers):
            group += nodes.colspec(colwidth=width)
        heads = ['Operation', 'Status'] + [t for _n, t in matrix.drivers]
        group += nodes.thead('', self._row(
            [_text_paragraph(head) for head in heads]))
        body = nodes.tbody()
        for operation in matrix.operations:
            link = nodes.paragraph('', '', nodes.reference(
                '', operation.title, internal=True,
                refid=operation.anchor))
            body += self._row(
                [link, _text_paragraph(operation.status)] +
                [_level(operation.levels[name])
                 for name, _title in matrix.drivers])
        group += body
        return table

    @staticmethod
    def _row(cells):
        row = nodes.row()
        for content in cells:
            row += nodes.entry('', content)
        return row

    def _details(self, matrix):
        entries = nodes.definition_list(classes=['sm-details'])
        for operation in matrix.operations:
            term = nodes.term('', operation.title, ids=[operation.anchor])
            fields = nodes.field_list()
            fields += self._field('Status', [_text_paragraph(
                operation.status)])
            if operation.cli:
                commands = nodes.bullet_list()
                for command in operation.cli:
                    commands += nodes.list_item('', nodes.paragraph(
                        '', '', nodes.literal(command, command)))
                fields += self._field('CLI', [commands])
            fields += self._field('Notes', self._rst(operation.notes))
            for name, title in matrix.drivers:
                body = [_level(operation.levels[name])]
                if operation.driver_notes[name]:
                    body += self._rst(operation.driver_notes[name])
                fields += self._field(title, body)
            entries += nodes.definition_list_item(
                '', term, nodes.definition('', fields))
        return entries

    @staticmethod
    def _field(name, body):
        return nodes.field('', nodes.field_name(name, name),
                           nodes.field_body('', *body))


def setup(app):
    app.add_directive('support-matrix', SupportMatrixDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
