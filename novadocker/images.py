"""Brings an instance's Glance image into the Docker engine."""

from nova import exception
from nova.i18n import _

CONTAINER_FORMAT = 'docker'
REPOSITORY_PREFIX = 'glance/'


def _field(image_meta, name):
    return getattr(image_meta, name) if image_meta.obj_attr_is_set(name) \
        else None


def check_container_format(image_meta):
    container_format = _field(image_meta, 'container_format')
    if container_format != CONTAINER_FORMAT:
        raise exception.ImageUnacceptable(
            image_id=_field(image_meta, 'id'),
            reason=_("its container_format is %(actual)s; the Docker driver "
                     "boots only images with container_format=%(wanted)s") % {
                'actual': container_format or 'not set',
                'wanted': CONTAINER_FORMAT})


def local_reference(image_meta):
    """Engine reference of a Glance image: its id and content, not its name.

    Keyed on the Glance checksum too, so an image whose data changed under
    the same id is never mistaken for the one already in the engine.
    """
    return '%s%s:%s' % (REPOSITORY_PREFIX, image_meta.id,
                        _field(image_meta, 'checksum') or 'latest')


class ImageHandler:

    def __init__(self, engine):
        self._engine = engine

    def ensure(self, image_meta):
        """The engine reference to create the instance's container from."""
        check_container_format(image_meta)
        reference = local_reference(image_meta)
        if not self._engine.image_exists(reference):
            raise exception.ImageUnacceptable(
                image_id=image_meta.id,
                reason=_("it is not in the Docker engine as %s, and loading "
                         "images from Glance is not supported yet") %
                reference)
        return reference
