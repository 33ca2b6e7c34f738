"""Nova objects for driver tests, without a database."""

from oslo_utils import uuidutils

from nova.compute import vm_states
from nova import objects

objects.register_all()


def flavor(memory_mb=64, vcpus=1, swap=0, root_gb=1):
    return objects.Flavor(name='m1.test', memory_mb=memory_mb, vcpus=vcpus,
                          swap=swap, root_gb=root_gb, ephemeral_gb=0,
                          extra_specs={})


def instance(**kwargs):
    values = dict(id=1, uuid=uuidutils.generate_uuid(), hostname='web1',
                  vm_state=vm_states.ACTIVE, task_state=None,
                  flavor=flavor(), metadata={}, system_metadata={})
    values.update(kwargs)
    return objects.Instance(**values)


def image_meta(image_id=None, container_format='docker', **kwargs):
    values = dict(id=image_id or uuidutils.generate_uuid(),
                  name='any name at all', container_format=container_format,
                  disk_format='raw')
    values.update(kwargs)
    return objects.ImageMeta.from_dict(values)
