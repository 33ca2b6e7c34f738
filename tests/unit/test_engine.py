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

from unittest import mock

import docker
from docker import errors as docker_errors
import requests
import testtools

from nova import exception as nova_exception

from novadocker import engine
from novadocker import exception
from novadocker import spec


def api_error(status, explanation):
    response = requests.Response()
    response.status_code = status
    return docker_errors.APIError('error', response=response,
                                  explanation=explanation)


def connection_error(cause):
    error = requests.exceptions.ConnectionError(cause)
    error.__context__ = cause
    return error


class EngineErrorsTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.engine = engine.Engine('unix:///run/test.sock')
        self.engine._version = '1.41'
        self.client = mock.Mock()
        self.engine._local.client = self.client

    def _unavailable_reason(self, error):
        self.client.info.side_effect = error
        raised = self.assertRaises(exception.EngineUnavailable,
                                   self.engine.info)
        self.assertIn('unix:///run/test.sock', raised.format_message())
        return raised.format_message()

    def test_missing_socket(self):
        self.assertIn('no socket', self._unavailable_reason(
            connection_error(FileNotFoundError(2, 'No such file'))))

    def test_permission_denied(self):
        self.assertIn('permission denied', self._unavailable_reason(
            connection_error(PermissionError(13, 'Permission denied'))))

    def test_refused(self):
        self.assertIn('connection refused', self._unavailable_reason(
            connection_error(ConnectionRefusedError(111, 'refused'))))

    def test_timeout_names_the_operation(self):
        self.client.start.side_effect = requests.exceptions.ReadTimeout()
        raised = self.assertRaises(exception.EngineError, self.engine.start,
                                   'nova-x')
        self.assertIn('start', raised.format_message())
        self.assertIn('60 seconds', raised.format_message())

    def test_engine_refusal_carries_its_explanation(self):
        self.client.start.side_effect = api_error(
            500, 'exec: "/nope": no such file or directory')
        raised = self.assertRaises(exception.EngineError, self.engine.start,
                                   'nova-x')
        self.assertIn('/nope', raised.format_message())

    def test_missing_container(self):
        self.client.pause.side_effect = docker_errors.NotFound('gone')
        self.assertRaises(exception.ContainerNotFound, self.engine.pause,
                          'nova-x')
        self.client.remove_container.side_effect = docker_errors.NotFound('x')
        self.assertFalse(self.engine.remove('nova-x'))

    def test_name_conflict_is_instance_exists(self):
        self.client.create_container.side_effect = api_error(
            409, 'Conflict. The container name is already in use')
        container = spec.ContainerSpec('nova-x', 'img', 'h', '', {}, {})
        self.assertRaises(nova_exception.InstanceExists, self.engine.create,
                          container)

    def test_kill_of_stopped_container_is_quiet(self):
        self.client.kill.side_effect = api_error(409, 'is not running')
        self.engine.kill('nova-x')
        self.client.kill.side_effect = api_error(500, 'broken')
        self.assertRaises(exception.EngineError, self.engine.kill, 'nova-x')

    def test_storage_quota_probe(self):
        self.client.inspect_image.return_value = {'Id': 'sha256:probe'}
        self.client.create_container.return_value = {'Id': 'x'}
        self.assertIsNone(self.engine.storage_quota_refusal())
        self.assertEqual({'size': '1G'}, self.client.create_host_config
                         .call_args.kwargs['storage_opt'])
        # The probe container goes; the probe image stays for next time.
        self.client.remove_container.assert_called_once()
        self.client.create_container.side_effect = api_error(
            500, '--storage-opt is supported only for overlay over xfs')
        self.assertEqual('--storage-opt is supported only for overlay over '
                         'xfs', self.engine.storage_quota_refusal())

    def test_image_transfers_have_a_deadline(self):
        self.engine._transfer_timeout = 0
        self.client.pull.return_value = iter([{'status': 'a'}])
        raised = self.assertRaises(exception.EngineTimeout, self.engine.pull,
                                   'r/x:y')
        self.assertIn('pulling r/x:y within 0 seconds',
                      raised.format_message())
        self.client.get_image.return_value = iter([b'a'])
        self.assertRaises(exception.EngineTimeout, list,
                          self.engine.save('r/x:y'))
        self.engine._transfer_timeout = 60
        self.client.get_image.return_value = iter([b'a', b'b'])
        self.assertEqual([b'a', b'b'], list(self.engine.save('r/x:y')))

    def test_waiting_for_a_kill_has_a_deadline(self):
        self.engine.kill('nova-x')
        self.assertEqual(60, self.client.wait.call_args.kwargs['timeout'])
        self.client.wait.side_effect = requests.exceptions.ReadTimeout()
        raised = self.assertRaises(exception.EngineError, self.engine.kill,
                                   'nova-x')
        self.assertIn('wait', raised.format_message())

    def test_logs_tail_keeps_only_the_last_bytes(self):
        chunks = [b'a' * 10, b'b' * 10, b'c' * 10, b'd\n']
        self.client.logs.return_value = iter(chunks)
        self.assertEqual(b'b' * 4 + b'c' * 10 + b'd\n',
                         self.engine.logs_tail('nova-x', 16, max_lines=99))
        self.client.logs.return_value = iter(chunks)
        self.assertEqual(b''.join(chunks),
                         self.engine.logs_tail('nova-x', 100, max_lines=99))
        # Following the log would wait for the container to end.
        self.assertFalse(self.client.logs.call_args.kwargs['follow'])
        self.assertEqual(99, self.client.logs.call_args.kwargs['tail'])

    def test_not_connected(self):
        fresh = engine.Engine('unix:///run/test.sock')
        raised = self.assertRaises(exception.EngineUnavailable, fresh.info)
        self.assertIn('init_host', raised.format_message())


class VersionChoiceTest(testtools.TestCase):

    def _choose(self, wanted, newest, oldest='1.12'):
        return engine.Engine('unix:///x', api_version=wanted)._choose_version(
            {'ApiVersion': newest, 'MinAPIVersion': oldest})

    def test_auto_takes_the_engines_version(self):
        self.assertEqual('1.41', self._choose('auto', '1.41'))

    def test_auto_stops_at_what_the_sdk_knows(self):
        self.assertEqual('1.45', self._choose('auto', '1.51'))

    def test_configured_version(self):
        self.assertEqual('1.43', self._choose('1.43', '1.47'))

    def test_too_old_engine(self):
        raised = self.assertRaises(exception.EngineUnavailable, self._choose,
                                   'auto', '1.40')
        self.assertIn('older than 1.41', raised.format_message())

    def test_version_the_engine_does_not_serve(self):
        raised = self.assertRaises(exception.EngineUnavailable, self._choose,
                                   '1.44', '1.41')
        self.assertIn('1.44 is not served', raised.format_message())


class NothingRawEscapesTest(testtools.TestCase):
    """Whatever the SDK raises, callers of the engine module see nova's
    exceptions (or an answer: absence is one for some calls)."""

    NAME, REF = 'nova-x', 'r/x:y'
    CALLS = {
        'info': (),
        'create': (spec.ContainerSpec(NAME, 'img', 'h', '', {}, {}),),
        'start': (NAME,), 'stop': (NAME, 1), 'rename': (NAME, 'y'),
        'restart': (NAME, 1), 'kill': (NAME,), 'pause': (NAME,),
        'unpause': (NAME,), 'remove': (NAME,), 'inspect': (NAME,),
        'layers': (NAME,), 'exec_tty': (NAME, ['sh']),
        'exec_input': (NAME, ['sh'], b''), 'containers': ('l',),
        'logs_tail': (NAME, 10, 10), 'stats': (NAME,),
        'image_exists': (REF,), 'image_references': (), 'image': (REF,),
        'pull': (REF,), 'push': (REF,), 'registry_digest': (REF,),
        'tag': ('img', REF), 'remove_image': (REF,),
        'load': (iter([b'']),), 'import_rootfs': (b'', 'r', 't', []),
        'storage_quota_refusal': (), 'commit': (NAME, REF),
        # A stream: its reads fail too.
        'save': (REF,),
    }
    ERRORS = (docker_errors.NotFound('gone'), api_error(500, 'broken'),
              api_error(404, 'no such thing'),
              docker_errors.DockerException('odd'),
              requests.exceptions.ConnectionError('reset'),
              requests.exceptions.ChunkedEncodingError('cut short'),
              requests.exceptions.ReadTimeout('slow'))

    def test_every_public_method_is_tried(self):
        public = {name for name in vars(engine.Engine)
                  if not name.startswith('_')} - {'connect'}
        self.assertEqual(public, set(self.CALLS))

    def test_sdk_errors_become_novas(self):
        for error in self.ERRORS:
            client = self._failing_client(error)
            for method, args in self.CALLS.items():
                self._try(method, args, client, error)

    def test_errors_in_the_middle_of_a_stream(self):
        def stream(*args, **kwargs):
            yield b'first'
            raise requests.exceptions.ChunkedEncodingError('cut short')
        client = mock.Mock()
        client.logs.side_effect = client.get_image.side_effect = stream
        for method in ('logs_tail', 'save'):
            self._try(method, self.CALLS[method], client, 'cut short')

    @staticmethod
    def _failing_client(error):
        client = mock.Mock()
        for name in dir(docker.APIClient):
            if not name.startswith('_'):
                getattr(client, name).side_effect = error
        return client

    def _try(self, method, args, client, error):
        subject = engine.Engine('unix:///run/test.sock')
        subject._version = '1.41'
        subject._local.client = client
        try:
            answer = getattr(subject, method)(*args)
            if method == 'save':
                list(answer)
        except nova_exception.NovaException:
            pass
        except Exception as e:
            self.fail('%s raised %r on %r' % (method, e, error))
