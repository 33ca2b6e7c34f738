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

"""nova's compute driver for Docker containers.

This module maps nova operations onto the pieces that do the work: ``spec``
shapes containers, ``engine`` talks to Docker, ``images`` brings images in
and ``hostinfo`` describes the host. It never calls the docker SDK itself.

Suspend and pause both freeze the container's processes with the cgroup
freezer: a container has no memory image to write out, so suspend keeps
its processes resident and frozen, and resume continues them where they
stopped. nova tells the two states apart by its own record.
"""

import contextlib
import functools
import os

import os_vif
from oslo_concurrency import lockutils
from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_utils import excutils
from oslo_utils import timeutils
from oslo_utils import units

from nova.compute import task_states
import nova.conf
from nova.console import type as console_type
from nova import exception as nova_exception
from nova.image import glance
from nova.virt import configdrive as nova_configdrive
from nova.virt import driver
from nova.virt import hardware

from novadocker import conf as docker_conf
from novadocker import configdrive
from novadocker import console
from novadocker import diagnostics
from novadocker import engine as docker_engine
from novadocker import exception
from novadocker import hostinfo
from novadocker import images
from novadocker.network import vifs
from novadocker import powerstate
from novadocker import records
from novadocker import rescue
from novadocker import rollback
from novadocker import servicestatus
from novadocker import spec

CONF = nova.conf.CONF
docker_conf.register_opts(CONF)
LOG = logging.getLogger(__name__)

# The same bound nova's libvirt driver puts on console output.
MAX_CONSOLE_BYTES = 100 * units.Ki


def _root_disk_bytes(instance):
    """The most an image booted for ``instance`` may unpack to: its
    flavor's root disk (None: no bound)."""
    return instance.flavor.root_gb * units.Gi or None


def _lock_name(instance_uuid):
    """The driver's lock on one instance. It must differ from the bare
    uuid nova's compute manager already holds around driver calls, or a
    thread would wait on itself."""
    return 'nova-docker-' + instance_uuid


class DockerDriver(driver.ComputeDriver):
    """Runs each nova instance as one Docker container."""

    capabilities = dict(
        driver.ComputeDriver.capabilities,
        has_imagecache=True,
        # Glance holds Docker images as container_format=docker,
        # disk_format=raw.
        supports_image_type_raw=True,
        supports_attach_interface=True,
        # A move commits the container and creates it again, on this host
        # as well as on any other.
        supports_migrate_to_same_host=True,
    )

    def __init__(self, virtapi):
        super().__init__(virtapi)
        self._engine = docker_engine.Engine(
            CONF.docker.host_url, CONF.docker.api_version,
            CONF.docker.api_timeout, CONF.docker.image_transfer_timeout)
        self._images = images.ImageHandler(
            self._engine, glance.API(), images.registry_address(
                CONF.docker.registry_host,
                CONF.docker.docker_registry_default_port),
            records.ImageRecords(CONF.docker.image_records_path),
            CONF.docker.registry_shared_secret)
        self._host = CONF.host
        self._service = servicestatus.ServiceStatus(self._host)
        self._states = powerstate.PowerStateCache(self._engine, self._host)
        self._engine_version = None
        self._host_cpus = None
        self._root_disk_quota = False
        self._consoles = console.SerialConsoles(
            self._engine, CONF.serial_console.proxyclient_address)

    # --- host ---------------------------------------------------------

    def init_host(self, host):
        """Connect to the engine; refuse to start without one."""
        # nova-compute's own start does this too; doing it here as well
        # keeps the driver whole wherever it is loaded (once is enough for
        # os-vif, which ignores a second call).
        os_vif.initialize()
        self._host = host
        self._service = servicestatus.ServiceStatus(host)
        self._states = powerstate.PowerStateCache(self._engine, host)
        self._engine_version = self._engine.connect()['Version']
        self._host_resources()
        self._root_disk_quota = self._check_root_disk_quota()
        if not CONF.docker.registry_shared_secret:
            LOG.warning('[docker] registry_shared_secret is not set: images '
                        'are not shared through the registry at %s, every '
                        'host loads each image from Glance.',
                        self._images.registry)
        self._reap_orphan_holders()

    def _check_root_disk_quota(self):
        if not CONF.docker.root_disk_quota:
            return False
        refusal = self._engine.storage_quota_refusal()
        if refusal:
            LOG.warning('Root disks are not enforced on this host: the '
                        'engine cannot cap a container\'s writable layer '
                        '(%s). A server can fill the engine\'s data root; '
                        'use overlay2 on xfs mounted with pquota, or set '
                        '[docker] root_disk_quota = false to silence this.',
                        refusal)
        return not refusal

    def _host_resources(self):
        try:
            info = self._engine.info()
        except exception.EngineUnavailable as e:
            self._service.engine_lost(e.format_message())
            raise
        self._service.engine_answers()
        resources = hostinfo.host_resources(info, self._engine_version)
        self._host_cpus = resources.vcpus
        return resources

    def get_available_nodes(self, refresh=False):
        return [self._host]

    def get_available_resource(self, nodename):
        # The resource tracker's periodic task: housekeeping rides along.
        resources = self._host_resources()
        self._reap_orphan_holders()
        return hostinfo.available_resource(resources, nodename)

    def _reap_orphan_holders(self):
        """Remove namespace holders whose instance has no container.

        One outlives its instance when nova-compute stopped between the two
        removals, or a removal failed; its veth pairs go with it, what Open
        vSwitch holds of its ports is removed. The instance's lock keeps a
        spawn, which starts the holder first, from losing it.
        """
        holders = self._engine.containers(
            spec.netns_host_label_filter(self._host))
        if not holders:
            return
        # One listing answers the pass; only a holder that looks orphaned
        # is looked at again, under the lock, before it goes.
        instances = set(self.list_instance_uuids())
        for holder in holders:
            uuid = holder.labels.get(spec.LABEL_NETNS_OF)
            if not uuid or uuid in instances:
                continue
            with lockutils.lock(_lock_name(uuid)):
                if self._states.state(uuid, fresh=True) is None:
                    self._engine.remove(spec.netns_container_name(uuid))
                    LOG.warning('Removed the network namespace holder of '
                                'instance %s, which has no container',
                                uuid)
                    vifs.remove_leftovers(uuid)

    def update_provider_tree(self, provider_tree, nodename, allocations=None):
        ratios = self._get_allocation_ratios(
            provider_tree.data(nodename).inventory)
        provider_tree.update_inventory(nodename, hostinfo.inventory(
            self._host_resources(), ratios,
            reserved_cpus=CONF.reserved_host_cpus,
            reserved_memory_mb=CONF.reserved_host_memory_mb,
            reserved_disk_gb=self._get_reserved_host_disk_gb_from_config()))

    def get_host_ip_addr(self):
        return CONF.my_ip

    def get_host_uptime(self):
        return hostinfo.host_uptime()

    def get_host_cpu_stats(self):
        return hostinfo.host_cpu_stats()

    # --- inventory of instances ---------------------------------------

    def _labelled(self, label):
        """``label`` of this host's instance containers (not those made by
        hand or by other tools, nor those waiting for a resize)."""
        return [c.labels[label] for c in self._engine.containers(
            spec.host_label_filter(self._host))
            if spec.is_instance_container(c) and c.labels.get(label)]

    def list_instances(self):
        return self._labelled(spec.LABEL_NAME)

    def list_instance_uuids(self):
        return self._labelled(spec.LABEL_UUID)

    def instance_exists(self, instance):
        return self._states.state(instance.uuid, fresh=True) is not None

    def get_info(self, instance, use_cache=True):
        state = self._states.state(instance.uuid, fresh=not use_cache)
        if state is None:
            raise nova_exception.InstanceNotFound(instance_id=instance.uuid)
        return hardware.InstanceInfo(state=spec.power_state_of(state,
                                                               instance))

    # --- lifecycle ----------------------------------------------------

    @contextlib.contextmanager
    def _operating_on(self, instance, changes=True):
        """Serialise work on one instance and keep nova's view of it fresh."""
        with lockutils.lock(_lock_name(instance.uuid)):
            try:
                yield spec.container_name(instance.uuid)
            except exception.ContainerNotFound as e:
                raise nova_exception.InstanceNotFound(
                    instance_id=instance.uuid) from e
            finally:
                if changes:
                    self._states.changed(instance.uuid)

    def _security_policy(self):
        return spec.SecurityPolicy(
            privileged=CONF.docker.privileged,
            cap_add=tuple(CONF.docker.cap_add),
            cap_drop=tuple(CONF.docker.cap_drop),
            no_new_privileges=CONF.docker.no_new_privileges,
            pids_limit=CONF.docker.pids_limit,
            log_max_size_mb=CONF.docker.log_max_size,
            log_max_files=CONF.docker.log_max_files,
            allow_healthchecks=CONF.docker.allow_image_healthchecks,
            healthcheck_min_interval=CONF.docker.healthcheck_min_interval,
            root_disk_quota=self._root_disk_quota)

    def _container_spec(self, instance, image, netns, drive,
                        rescue_root=None):
        return spec.container_spec(
            instance, image, self._host, self._host_cpus,
            self._security_policy(), netns_container=netns,
            config_drive=drive, rescue_root=rescue_root,
            exported=tuple(CONF.docker.metadata_environment))

    def spawn(self, context, instance, image_meta, injected_files,
              admin_password, allocations, network_info=None,
              block_device_info=None, power_on=True, accel_info=None):
        network_info = network_info or []
        vifs.check_supported(network_info)
        self._refuse_block_devices(instance, block_device_info)
        image = self._images.ensure(
            context, image_meta,
            max_bytes=_root_disk_bytes(instance))
        self._create(instance, image, network_info, power_on,
                     self._plug_with_events, injected_files, admin_password)

    @staticmethod
    def _refuse_block_devices(instance, block_device_info):
        """Volumes and ephemeral disks, which a container cannot take yet,
        fail the boot rather than be left out unseen. (The flavor's swap
        is the container's memory swap.)"""
        volumes = driver.block_device_info_get_mapping(block_device_info)
        ephemerals = driver.block_device_info_get_ephemerals(
            block_device_info)
        if volumes or ephemerals:
            raise exception.BlockDevicesNotSupported(
                instance_uuid=instance.uuid, volumes=len(volumes),
                ephemerals=len(ephemerals))

    def _create(self, instance, image, network_info, power_on, plug,
                injected_files=(), admin_password=None):
        """Create (and start) the instance's container from ``image``,
        its ports plugged by ``plug``, its config drive built if nova
        wants one; nothing is left if it fails."""
        with self._operating_on(instance) as name:
            # Before anything else: the cleanup below must never touch an
            # instance that was already there.
            if self._states.state(instance.uuid, fresh=True) is not None:
                raise nova_exception.InstanceExists(name=name)
            netns = drive = None
            try:
                if network_info:
                    netns = plug(instance, network_info)
                if nova_configdrive.required_by(instance):
                    drive = configdrive.build(instance, injected_files,
                                              admin_password, network_info)
                self._engine.create(self._container_spec(
                    instance, image, netns, drive))
                if power_on:
                    self._engine.start(name)
            except Exception:
                with excutils.save_and_reraise_exception():
                    undo = functools.partial(rollback.undo, instance)
                    undo('removing its container', self._engine.remove, name)
                    # Each step on its own: ports outlive a holder that
                    # could not be removed.
                    undo('removing its network namespace holder',
                         self._engine.remove,
                         spec.netns_container_name(instance.uuid))
                    undo('unplugging its ports', vifs.unplug, network_info,
                         instance)
                    configdrive.remove(instance)
        LOG.info('Created container %(name)s from %(image)s (%(id)s)',
                 {'name': name, 'image': image.reference, 'id': image.id},
                 instance=instance)

    def _plug_with_events(self, instance, network_info):
        """Plug the ports, waiting for Neutron's network-vif-plugged."""
        timeout = CONF.vif_plugging_timeout
        events = [('network-vif-plugged', vif['id'])
                  for vif in network_info
                  if vif.get('active', True) is False] if timeout else []
        try:
            with self.virtapi.wait_for_instance_event(
                    instance, events, timeout=timeout,
                    error_callback=self._neutron_failed_callback):
                return self._ensure_netns(instance, network_info)
        except nova_exception.InstanceEventTimeout:
            # nova already logged which events never came.
            if CONF.vif_plugging_is_fatal:
                raise nova_exception.VirtualInterfaceCreateException()
            return spec.netns_container_name(instance.uuid)

    @staticmethod
    def _neutron_failed_callback(event_name, instance):
        LOG.error('Neutron reported failure on event %s', event_name,
                  instance=instance)
        if CONF.vif_plugging_is_fatal:
            raise nova_exception.VirtualInterfaceCreateException()

    def _ensure_netns(self, instance, network_info):
        """Start the instance's namespace holder if needed; plug the ports.

        The holder outlives the instance's own container, so its interfaces
        survive reboots; after an engine restart it comes back with a new,
        empty namespace and the ports are plugged again.
        """
        name = spec.netns_container_name(instance.uuid)
        again = False
        try:
            running = self._engine.inspect(name).running
            again = not running
        except exception.ContainerNotFound:
            self._engine.create(spec.netns_container_spec(
                instance, self._images.netns_image(CONF.docker.netns_busybox),
                self._host, spec.interfaces(network_info)))
            running = False
        if not running:
            self._engine.start(name)
        vifs.plug(self._engine.inspect(name).pid, network_info,
                  instance, again=again)
        return name

    def _remove_netns(self, instance, network_info):
        """Remove the namespace holder; the veth pairs go with it."""
        self._engine.remove(spec.netns_container_name(instance.uuid))
        # A host end can outlive a namespace that is already gone.
        vifs.unplug(network_info, instance)

    def plug_vifs(self, instance, network_info):
        """Plug an existing instance's ports (nova-compute's start).

        Any failure is this instance's alone: nova puts it in ERROR on
        VirtualInterfacePlugException and goes on with the others.
        """
        if not network_info:
            return
        try:
            vifs.check_supported(network_info)
            with self._operating_on(instance, changes=False):
                self._ensure_netns(instance, network_info)
        except Exception as e:
            # nova logs it with this cause and the instance.
            raise nova_exception.VirtualInterfacePlugException(
                str(e)) from e

    def attach_interface(self, context, instance, image_meta, vif):
        vifs.check_supported([vif])
        with self._operating_on(instance, changes=False):
            try:
                holder = self._engine.inspect(
                    spec.netns_container_name(instance.uuid))
            except exception.ContainerNotFound as e:
                raise exception.AttachNeedsPorts(
                    instance_uuid=instance.uuid) from e
            if not holder.running:
                # Stopped by an engine restart: power-on plugs every port
                # of the instance's network_info, this one included.
                LOG.info('Port %s will be plugged at the next power on',
                         vif['id'], instance=instance)
                return
            vifs.attach(holder.pid, vif, instance)

    def detach_interface(self, context, instance, vif):
        with self._operating_on(instance, changes=False):
            vifs.unplug([vif], instance)

    def unplug_vifs(self, instance, network_info):
        vifs.unplug(network_info, instance)

    def destroy(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, destroy_secrets=True):
        with self._operating_on(instance) as name:
            with contextlib.suppress(exception.ContainerNotFound):
                self._engine.kill(name)
            self._cleanup(instance, name, network_info, destroy_disks)

    def cleanup(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, migrate_data=None, destroy_vifs=True,
                destroy_secrets=True):
        with self._operating_on(instance) as name:
            self._cleanup(instance, name, network_info, destroy_disks)

    def _cleanup(self, instance, name, network_info, destroy_disks):
        self._consoles.close(instance.uuid)
        # The container's filesystem is the instance's disk.
        if destroy_disks:
            removed = self._engine.remove(name)
            # After the rescue container, which mounts the filesystem.
            self._remove_rescued(instance)
            if removed:
                LOG.info('Removed container %s', name, instance=instance)
                configdrive.remove(instance)
        self._remove_netns(instance, network_info or [])

    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None, bad_volumes_callback=None,
               accel_info=None, share_info=None):
        with self._operating_on(instance) as name:
            if reboot_type == 'SOFT':
                self._engine.restart(name, CONF.docker.stop_timeout)
            else:
                self._engine.kill(name)
                self._start_networked(instance, name, network_info)

    def power_off(self, instance, timeout=0, retry_interval=0):
        # Docker itself sends SIGTERM, waits ``timeout`` and then kills.
        with self._operating_on(instance) as name:
            self._engine.stop(name, timeout)

    def power_on(self, context, instance, network_info,
                 block_device_info=None, accel_info=None, share_info=None):
        with self._operating_on(instance) as name:
            self._start_networked(instance, name, network_info)

    def _start_networked(self, instance, name, network_info):
        # After an engine restart the namespace holder is down too.
        if network_info:
            self._ensure_netns(instance, network_info)
        self._engine.start(name)

    def poll_rebooting_instances(self, timeout, instances):
        """Finish the reboots nova has waited on for ``timeout`` seconds.

        A reboot here is one engine call: a server still rebooting had
        that call fail or its nova-compute stop, and is left stopped if
        the kill came before the start. Start it; leave running ones be.
        """
        for instance in instances:
            with self._operating_on(instance) as name:
                if self._states.state(instance.uuid, fresh=True) not in (
                        'exited', 'created'):
                    continue
                LOG.warning('Starting the container of a reboot that did '
                            'not finish within %d seconds', timeout,
                            instance=instance)
                self._start_networked(instance, name,
                                      instance.get_network_info())

    def pause(self, instance):
        with self._operating_on(instance) as name:
            self._engine.pause(name)

    def unpause(self, instance):
        with self._operating_on(instance) as name:
            state = self._states.state(instance.uuid, fresh=True)
            if state is None:
                raise nova_exception.InstanceNotFound(
                    instance_id=instance.uuid)
            # Unpausing what is not paused is done already, as nova's
            # drivers agree.
            if state == 'paused':
                self._engine.unpause(name)

    def suspend(self, context, instance):
        self.pause(instance)

    def resume(self, context, instance, network_info, block_device_info=None,
               share_info=None):
        self.unpause(instance)

    def soft_delete(self, instance):
        with self._operating_on(instance) as name:
            self._engine.stop(name, CONF.docker.stop_timeout)

    def restore(self, instance):
        # As power_on: the holder may have stopped (an engine restart)
        # while the server was soft-deleted.
        with self._operating_on(instance) as name:
            self._start_networked(instance, name,
                                  instance.get_network_info())

    def resume_state_on_host_boot(self, context, instance, network_info,
                                  share_info, block_device_info=None):
        with self._operating_on(instance) as name:
            state = self._states.state(instance.uuid, fresh=True)
            if state == 'paused':
                self._engine.unpause(name)
            elif state != 'running':
                self._start_networked(instance, name, network_info)

    def snapshot(self, context, instance, image_id, update_task_state):
        update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD)
        # The instance is held only while its filesystem is committed.
        with self._operating_on(instance, changes=False) as name:
            state = self._states.state(instance.uuid, fresh=True)
            if state is None:
                # As nova's drivers say it: nothing runs to snapshot.
                raise nova_exception.InstanceNotRunning(
                    instance_id=instance.uuid)
            # A paused container is already frozen; pausing a stopped one
            # is pointless.
            committed = self._images.commit(name, image_id,
                                            pause=state == 'running')
        self._images.publish(
            context, committed, instance.uuid,
            uploading=lambda: update_task_state(
                task_state=task_states.IMAGE_UPLOADING,
                expected_state=task_states.IMAGE_PENDING_UPLOAD))

    # --- resize and cold migration -----------------------------------

    def migrate_disk_and_power_off(self, context, instance, dest, flavor,
                                   network_info, block_device_info=None,
                                   timeout=0, retry_interval=0):
        """Stop the container and commit its filesystem for the host that
        creates it again (this one, or any other); the container itself
        waits, stopped and renamed, for a revert."""
        with self._operating_on(instance) as name:
            # A missing container is InstanceNotFound, as for power_off.
            self._engine.stop(name, timeout)
            moving = self._images.commit_for_move(name, instance)
            waiting = spec.resize_container_name(instance.uuid)
            if self._engine.remove(waiting):
                LOG.warning('Removed %s, left by an earlier move',
                            waiting, instance=instance)
            self._engine.rename(name, waiting)
            self._remove_netns(instance, network_info or [])
        LOG.info('Committed %(name)s as %(image)s to move it to %(dest)s',
                 {'name': name, 'image': moving, 'dest': dest},
                 instance=instance)
        return jsonutils.dumps({'image': moving})

    def finish_migration(self, context, migration, instance, disk_info,
                         network_info, image_meta, resize_instance,
                         allocations, block_device_info=None, power_on=True,
                         share_info=None):
        """Create the container again from the committed filesystem, with
        the instance's (new) flavor."""
        network_info = network_info or []
        vifs.check_supported(network_info)
        image = self._images.moved(jsonutils.loads(disk_info)['image'])
        # As nova's other drivers: the ports were bound before, no
        # network-vif-plugged event is awaited.
        self._create(instance, image, network_info, power_on,
                     self._ensure_netns)

    def confirm_migration(self, context, migration, instance, network_info):
        with self._operating_on(instance, changes=False):
            self._remove_waiting(instance)

    def finish_revert_migration(self, context, instance, network_info,
                                migration, block_device_info=None,
                                power_on=True, share_info=None):
        """The container from before the move, back under its name with
        its old limits and filesystem."""
        if network_info:
            self._revert_networked(instance, network_info, power_on)
            return
        waiting = spec.resize_container_name(instance.uuid)
        with self._operating_on(instance) as name:
            # Removing what nova's destroy left of the moved container.
            self._return_to(instance, waiting, name, self._engine.remove)
            if nova_configdrive.required_by(instance):
                # That destroy took the drive the old container mounts.
                configdrive.build(instance, (), None, network_info)
            if power_on:
                self._start_networked(instance, name, network_info)

    def _revert_networked(self, instance, network_info, power_on):
        """Revert an instance with ports: a container made again from the
        filesystem committed for the move, as the waiting one cannot start:
        the namespace holder it joined went with the ports, and a
        container never joins another namespace."""
        vifs.check_supported(network_info)
        waiting = spec.resize_container_name(instance.uuid)
        with self._operating_on(instance) as name:
            if not self._waits(instance, waiting, name):
                return
            # What nova's destroy left of the moved container.
            self._engine.remove(name)
        image = self._images.moved(self._images.move_reference(instance))
        self._create(instance, image, network_info, power_on,
                     self._ensure_netns)
        # Only now: until the instance runs again a retry needs it.
        self._remove_waiting(instance)

    def _return_to(self, instance, waiting, name, replace):
        """Put the container ``waiting`` back under ``name``, once
        ``replace(name)`` has removed what runs there now; nothing if an
        earlier attempt did it already."""
        if self._waits(instance, waiting, name):
            replace(name)
            self._engine.rename(waiting, name)

    def _waits(self, instance, waiting, name):
        """Whether container ``waiting`` is there to return to."""
        try:
            self._engine.inspect(waiting)
        except exception.ContainerNotFound:
            LOG.info('No %s to return to; keeping %s', waiting, name,
                     instance=instance)
            return False
        return True

    def delete_instance_files(self, instance):
        """What a failed move left for a deleted instance (nova's periodic
        cleanup of incomplete migrations)."""
        with self._operating_on(instance, changes=False):
            self._remove_waiting(instance)
        return True

    def _remove_waiting(self, instance):
        waiting = spec.resize_container_name(instance.uuid)
        if self._engine.remove(waiting):
            LOG.info('Removed %s', waiting, instance=instance)

    # --- rescue -------------------------------------------------------

    def rescue(self, context, instance, network_info, image_meta,
               rescue_password, block_device_info, share_info):
        """Run the rescue image in the instance's place, the instance's own
        filesystem mounted read-write at spec.RESCUE_MOUNT."""
        if not image_meta.obj_attr_is_set('id'):
            # No rescue image named: the instance's own, as nova's
            # drivers default to.
            image_meta = self._images.meta(context, instance.image_ref)
        image = self._images.ensure(
            context, image_meta,
            max_bytes=_root_disk_bytes(instance))
        rescued = spec.rescued_container_name(instance.uuid)
        with self._operating_on(instance) as name:
            layers = self._engine.layers(name)
            if layers.storage_driver != rescue.STORAGE_DRIVER:
                raise nova_exception.InstanceNotRescuable(
                    instance_id=instance.uuid,
                    reason='the Docker engine stores containers with %s; '
                           'rescue needs %s' % (layers.storage_driver,
                                                rescue.STORAGE_DRIVER))
            running = self._states.state(instance.uuid, fresh=True)
            self._engine.stop(name, CONF.docker.stop_timeout)
            self._engine.rename(name, rescued)
            try:
                self._start_rescue(instance, image, layers, network_info)
            except Exception:
                with excutils.save_and_reraise_exception():
                    self._undo_rescue(instance, name, rescued, network_info,
                                      running == 'running')
        LOG.info('Rescued with %(image)s, the instance\'s filesystem at '
                 '%(path)s', {'image': image.reference,
                              'path': spec.RESCUE_MOUNT}, instance=instance)

    def _start_rescue(self, instance, image, layers, network_info):
        root = rescue.mount_point(self._instances_path(), instance.uuid)
        os.makedirs(root, mode=0o700, exist_ok=True)
        rescue.mount(layers.data_root, layer=layers.layer,
                     lowers=list(layers.lowers),
                     instances_path=self._instances_path(),
                     instance_uuid=instance.uuid)
        netns = (self._ensure_netns(instance, network_info)
                 if network_info else None)
        drive = (configdrive.path(instance)
                 if nova_configdrive.required_by(instance) else None)
        self._engine.create(self._container_spec(instance, image, netns,
                                                 drive, rescue_root=root))
        self._engine.start(spec.container_name(instance.uuid))

    def _undo_rescue(self, instance, name, rescued, network_info, start):
        undo = functools.partial(rollback.undo, instance)
        undo('removing the rescue container', self._engine.remove, name)
        undo('unmounting its filesystem', self._unmount_rescue, instance)
        undo('renaming %s back' % rescued, self._engine.rename, rescued, name)
        if start:
            undo('starting it again', self._start_networked, instance, name,
                 network_info)

    def unrescue(self, context, instance):
        """Back to the instance's own container, with what the rescue
        changed in its filesystem."""
        rescued = spec.rescued_container_name(instance.uuid)
        with self._operating_on(instance) as name:
            self._return_to(instance, rescued, name,
                            lambda name: self._remove_rescuer(instance, name))
            self._start_networked(instance, name,
                                  instance.get_network_info())

    def _remove_rescuer(self, instance, name):
        self._engine.remove(name)
        self._unmount_rescue(instance)

    def _unmount_rescue(self, instance):
        """Unmount the rescued filesystem and remove its mount point, which
        is never removed while anything is mounted there."""
        root = rescue.mount_point(self._instances_path(), instance.uuid)
        # It exists only while rescued: no privsep daemon otherwise.
        if os.path.isdir(root):
            rescue.unmount(self._instances_path(), instance.uuid)
            os.rmdir(root)

    def _remove_rescued(self, instance):
        """What a rescue left of an instance being destroyed."""
        self._unmount_rescue(instance)
        rescued = spec.rescued_container_name(instance.uuid)
        if self._engine.remove(rescued):
            LOG.info('Removed %s', rescued, instance=instance)

    @staticmethod
    def _instances_path():
        # The privsep daemon takes no path with links in it.
        return os.path.realpath(CONF.instances_path)

    def manage_image_cache(self, context, all_instances):
        if not CONF.image_cache.remove_unused_base_images:
            return
        self._images.remove_unused(
            {instance.image_ref for instance in all_instances},
            CONF.image_cache.remove_unused_original_minimum_age_seconds,
            timeutils.utcnow(True))

    def cache_image(self, context, image_id):
        return self._images.cache(context, image_id)

    # --- observing ----------------------------------------------------

    def get_console_output(self, context, instance):
        with self._operating_on(instance, changes=False) as name:
            # Every line holds at least one byte, so this many lines always
            # cover the byte bound.
            output = self._engine.logs_tail(name, MAX_CONSOLE_BYTES,
                                            max_lines=MAX_CONSOLE_BYTES)
        # A str, as drivers return it; nova's compute manager encodes it
        # with latin-1, which gives it back the container's bytes unchanged.
        return output.decode('latin-1')

    def get_serial_console(self, context, instance):
        """Where nova's serial console proxy finds a shell in the
        container (``console``); it takes the proxy's next connection."""
        with self._operating_on(instance, changes=False) as name:
            if self._states.state(instance.uuid, fresh=True) != 'running':
                raise nova_exception.InstanceNotReady(
                    instance_id=instance.uuid)
            port = self._consoles.arm(instance.uuid, name)
        return console_type.ConsoleSerial(
            host=CONF.serial_console.proxyclient_address, port=port)

    def set_admin_password(self, instance, new_pass):
        """Set root's password with the image's own ``chpasswd``."""
        with self._operating_on(instance, changes=False) as name:
            try:
                code, output = self._engine.exec_input(
                    name, ['chpasswd'], ('root:%s\n' % new_pass).encode())
            except exception.EngineError as e:
                # The engine refuses an exec of a program the image lacks.
                LOG.warning('Cannot set the admin password: %s', e,
                            instance=instance)
                raise nova_exception.SetAdminPasswdNotSupported() from e
        output = output.decode('utf-8', 'replace')[-200:]
        if code in (126, 127):
            # The runtime's own codes for a program it could not run.
            LOG.warning('Cannot set the admin password: the image has no '
                        'chpasswd (%s)', output, instance=instance)
            raise nova_exception.SetAdminPasswdNotSupported()
        if code:
            raise exception.PasswordNotSet(code=code, output=output)
        LOG.info('Set the admin password', instance=instance)

    def get_instance_diagnostics(self, instance):
        with self._operating_on(instance, changes=False) as name:
            container = self._engine.inspect(name)
            stats = self._engine.stats(name)
        return diagnostics.instance_diagnostics(instance, container, stats,
                                                timeutils.utcnow(True))

    def get_diagnostics(self, instance):
        return diagnostics.legacy_diagnostics(
            self.get_instance_diagnostics(instance))
