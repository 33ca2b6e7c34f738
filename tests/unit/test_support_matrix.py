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

"""The documentation's support matrix, held against the driver.

doc/source/support-matrix.ini says, for each nova operation, whether the
driver does it. These tests keep it honest: an operation the matrix calls
complete or partial needs the ComputeDriver methods and capabilities
listed for it in OPERATIONS, one it calls missing must lack at least one of
them, and every method the driver overrides must serve an operation the
matrix says it does, or be listed in PLUMBING. A driver change that adds,
removes or completes an operation fails here until the matrix says so.
"""

import configparser
import inspect
import os
import types

import testtools

from nova.virt import driver as nova_driver

from novadocker import driver

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
MATRIX = os.path.join('doc', 'source', 'support-matrix.ini')
DRIVER_KEY = 'driver.docker'
IMPLEMENTED = ('complete', 'partial')

# What each operation of the matrix needs: ComputeDriver methods the driver
# must override, and ComputeDriver.capabilities keys it must declare true.
# Some operations are nova's own code built on other driver methods: nova
# rebuilds with destroy and spawn when the driver has no rebuild of its
# own, shelves with power_off, snapshot and destroy, unshelves with spawn.
OPERATIONS = {
    'launch': ('spawn', 'supports_image_type_raw'),
    'terminate': ('destroy',),
    'get-guest-info': ('get_info',),
    'get-host-uptime': ('get_host_uptime',),
    'get-host-ip': ('get_host_ip_addr',),
    'power-off': ('power_off',),
    'power-on': ('power_on',),
    'reboot': ('reboot',),
    'pause': ('pause',),
    'unpause': ('unpause',),
    'suspend': ('suspend',),
    'resume': ('resume',),
    'soft-delete': ('soft_delete', 'restore'),
    'rebuild': ('destroy', 'spawn'),
    'evacuate': ('spawn', 'supports_evacuate'),
    'resize': ('migrate_disk_and_power_off', 'finish_migration',
               'confirm_migration', 'finish_revert_migration',
               'supports_migrate_to_same_host'),
    'cold-migrate': ('migrate_disk_and_power_off', 'finish_migration',
                     'confirm_migration', 'finish_revert_migration'),
    'live-migrate': ('check_can_live_migrate_destination',
                     'check_can_live_migrate_source', 'pre_live_migration',
                     'live_migration', 'post_live_migration_at_destination',
                     'rollback_live_migration_at_destination'),
    'force-live-migration-to-complete': ('live_migration_force_complete',),
    'abort-live-migration': ('live_migration_abort',),
    'shelve': ('power_off', 'snapshot', 'destroy', 'spawn'),
    'snapshot': ('snapshot',),
    'quiesce': ('quiesce', 'unquiesce'),
    'rescue': ('rescue', 'unrescue'),
    'set-admin-password': ('set_admin_password',),
    'trigger-crash-dump': ('trigger_crash_dump',),
    'get-diagnostics': ('get_instance_diagnostics', 'get_diagnostics'),
    'console-output': ('get_console_output',),
    'serial-console': ('get_serial_console',),
    'vnc-console': ('get_vnc_console',),
    'spice-console': ('get_spice_console',),
    'mks-console': ('get_mks_console',),
    # spawn builds the drive, with the injected files on it.
    'config-drive': ('spawn',),
    'inject-file': ('spawn',),
    'neutron-ports': ('spawn', 'plug_vifs', 'unplug_vifs'),
    # Neutron enforces them on the host end of each plugged port.
    'security-groups': ('plug_vifs',),
    'attach-interface': ('attach_interface', 'supports_attach_interface'),
    'detach-interface': ('detach_interface',),
    'attach-tagged-interface': ('attach_interface',
                                'supports_tagged_attach_interface'),
    'device-tags': ('supports_device_tagging',),
    # nova asks for the host's volume connector before any boot from
    # volume.
    'boot-from-volume': ('get_volume_connector',),
    'attach-volume': ('attach_volume',),
    'detach-volume': ('detach_volume',),
    'attach-tagged-volume': ('attach_volume',
                             'supports_tagged_attach_volume'),
    'extend-volume': ('extend_volume', 'supports_extend_volume'),
    'swap-volume': ('swap_volume',),
    'multiattach-volume': ('attach_volume', 'supports_multiattach'),
    'trusted-certs': ('supports_trusted_certs',),
    'maintenance-mode': ('host_maintenance_mode', 'set_host_enabled'),
    'image-cache': ('manage_image_cache', 'has_imagecache'),
    'cache-images': ('cache_image',),
    'dedicated-cpus': ('supports_pcpus',),
    'accelerators': ('supports_accelerators',),
    'vtpm': ('supports_vtpm',),
    'secure-boot': ('supports_secure_boot',),
    'file-backed-memory': ('supports_mem_backing_file',),
    'ephemeral-encryption': ('supports_ephemeral_encryption',),
    'shares': ('mount_share', 'umount_share', 'supports_virtio_fs'),
    'remote-managed-ports': ('supports_remote_managed_ports',),
}

# Operations no driver method or capability decides, with the status the
# matrix must give them and why: a change needs this table and the matrix
# changed together.
NO_DRIVER_HOOK = {
    'metadata-service': (
        'missing', 'the guest reaches it through Neutron, and the driver '
                   'sets up no route to 169.254.169.254'),
}

# Methods the driver overrides that serve nova-compute itself rather than
# an operation of the matrix, and why nova calls them.
PLUMBING = {
    'init_host': 'nova-compute start: connect to the engine',
    'get_available_nodes': 'the node this host reports',
    'get_available_resource': 'the resource tracker',
    'update_provider_tree': 'the resource tracker, for placement',
    'list_instances': 'nova-compute start and periodic tasks',
    'list_instance_uuids': 'nova-compute start and periodic tasks',
    'instance_exists': 'state checks before many operations',
    'get_host_cpu_stats': "nova's CPU monitor",
    'cleanup': 'failed builds and moves, deletes of shelved servers',
    'delete_instance_files': "periodic cleanup of failed moves' leftovers",
    'poll_rebooting_instances': 'periodic task finishing stuck reboots',
    'resume_state_on_host_boot': 'resume_guests_state_on_host_boot',
}
# Capabilities declared true for nova's own use, outside any operation.
PLUMBING_CAPABILITIES = {}

BASE = nova_driver.ComputeDriver
CAPABILITIES = BASE.capabilities


def _is_method(name):
    return isinstance(inspect.getattr_static(BASE, name, None),
                      (types.FunctionType, classmethod, staticmethod))


def _overrides(name):
    # Static lookup: a classmethod read through getattr is a new bound
    # object every time, and would always look overridden.
    return (inspect.getattr_static(driver.DockerDriver, name) is not
            inspect.getattr_static(BASE, name))


def _declares(capability):
    return bool(driver.DockerDriver.capabilities.get(capability, False))


def _unmet(requirements):
    """The requirements the driver does not meet, described."""
    unmet = []
    for name in requirements:
        if name in CAPABILITIES:
            if not _declares(name):
                unmet.append('capability %s is not true' % name)
        elif not _overrides(name):
            unmet.append('ComputeDriver.%s is not overridden' % name)
    return unmet


def _matrix():
    """{operation: the driver's level} from the matrix file."""
    parser = configparser.ConfigParser(interpolation=None)
    with open(os.path.join(ROOT, MATRIX), encoding='utf-8') as f:
        parser.read_file(f)
    return {section[len('operation.'):]: parser.get(section, DRIVER_KEY,
                                                    fallback=None)
            for section in parser.sections()
            if section.startswith('operation.')}


class SupportMatrixTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.matrix = _matrix()

    def _check(self, problems):
        if problems:
            self.fail('%s, the tables of this test and the driver '
                      'disagree:\n- %s' % (MATRIX, '\n- '.join(problems)))

    def test_table_names_only_nova_methods_and_capabilities(self):
        self._check([
            'OPERATIONS[%r] names %s, which is neither a ComputeDriver '
            'method nor a key of ComputeDriver.capabilities: correct the '
            'name' % (operation, name)
            for operation, requirements in sorted(OPERATIONS.items())
            for name in requirements
            if name not in CAPABILITIES and not _is_method(name)])

    def test_every_operation_has_a_known_level(self):
        self._check([
            '[operation.%s] has %s=%s: set it to complete, partial or '
            'missing' % (operation, DRIVER_KEY, level)
            for operation, level in sorted(self.matrix.items())
            if level not in IMPLEMENTED + ('missing',)])

    def test_matrix_and_table_name_the_same_operations(self):
        known = set(OPERATIONS) | set(NO_DRIVER_HOOK)
        problems = [
            '[operation.%s] is not in this test: add it to OPERATIONS with '
            'the ComputeDriver methods and capabilities it needs (or to '
            'NO_DRIVER_HOOK if no driver method decides it)' % operation
            for operation in sorted(set(self.matrix) - known)]
        problems += [
            '%s is in this test but the matrix has no [operation.%s]: add '
            'the section, or remove it from the test' % (
                operation, operation)
            for operation in sorted(known - set(self.matrix))]
        self._check(problems)

    def test_implemented_operations_are_implemented(self):
        problems = []
        for operation, requirements in sorted(OPERATIONS.items()):
            level = self.matrix.get(operation)
            unmet = _unmet(requirements)
            if level in IMPLEMENTED and unmet:
                problems.append(
                    '[operation.%s] says %s, but %s: implement that, or set '
                    '%s=missing with driver-notes saying why' % (
                        operation, level, '; '.join(unmet), DRIVER_KEY))
        self._check(problems)

    def test_missing_operations_are_missing(self):
        self._check([
            '[operation.%s] says missing, but the driver has everything it '
            'needs (%s): set %s=complete, or partial with driver-notes on '
            'its limits' % (operation, ', '.join(requirements), DRIVER_KEY)
            for operation, requirements in sorted(OPERATIONS.items())
            if self.matrix.get(operation) == 'missing' and
            not _unmet(requirements)])

    def test_operations_without_a_driver_hook_keep_their_level(self):
        self._check([
            '[operation.%s] says %s, but this test holds it at %s (%s): '
            'change NO_DRIVER_HOOK and the matrix together' % (
                operation, self.matrix.get(operation), level, why)
            for operation, (level, why) in sorted(NO_DRIVER_HOOK.items())
            if self.matrix.get(operation) != level])

    def _serving(self, name):
        """Operations the matrix calls implemented that need ``name``."""
        return [operation for operation, requirements in OPERATIONS.items()
                if name in requirements and
                self.matrix.get(operation) in IMPLEMENTED]

    def test_every_overridden_method_serves_the_matrix(self):
        problems = []
        for name in sorted(n for n in dir(BASE) if not n.startswith('_')):
            if not _is_method(name) or not _overrides(name):
                continue
            if name in PLUMBING or self._serving(name):
                continue
            missing = sorted(operation for operation, requirements
                             in OPERATIONS.items() if name in requirements)
            if missing:
                problems.append(
                    'DockerDriver overrides ComputeDriver.%s, needed by '
                    '%s, which the matrix says is missing: update %s and '
                    'driver-notes of [operation.%s]' % (
                        name, ', '.join(missing), DRIVER_KEY, missing[0]))
            else:
                problems.append(
                    'DockerDriver overrides ComputeDriver.%s, which no '
                    'operation accounts for: add an [operation.NAME] '
                    'section to the matrix and NAME to OPERATIONS, or add '
                    'the method to PLUMBING with the reason nova calls it'
                    % name)
        self._check(problems)

    def test_every_declared_capability_serves_the_matrix(self):
        self._check([
            'DockerDriver declares capability %s, which no operation the '
            'matrix calls complete or partial needs: add it to the '
            'operation it enables in OPERATIONS (and the matrix), or to '
            'PLUMBING_CAPABILITIES with the reason' % capability
            for capability in sorted(CAPABILITIES)
            if _declares(capability) and
            capability not in PLUMBING_CAPABILITIES and
            not self._serving(capability)])

    def test_plumbing_is_still_overridden(self):
        self._check([
            'PLUMBING lists %s, which DockerDriver no longer overrides: '
            'remove it from PLUMBING' % name
            for name in sorted(PLUMBING) if not _overrides(name)])
