import testtools

from nova import exception

from novadocker import images
from tests.unit import fakes


class FakeEngine:

    def __init__(self, present=()):
        self.present = set(present)

    def image_exists(self, reference):
        return reference in self.present


class ImagesTest(testtools.TestCase):

    def test_refuses_other_container_formats(self):
        for container_format in ('bare', 'ova', None):
            meta = fakes.image_meta(container_format=container_format)
            error = self.assertRaises(exception.ImageUnacceptable,
                                      images.check_container_format, meta)
            self.assertIn(meta.id, error.format_message())
            self.assertIn('container_format is %s' % (container_format or
                                                      'not set'),
                          error.format_message())
            self.assertIn('container_format=docker', error.format_message())

    def test_reference_is_keyed_on_id_and_checksum_not_name(self):
        meta = fakes.image_meta(
            image_id='0f4a2d1e-3b1c-4d5e-8f9a-0b1c2d3e4f5a',
            checksum='d41d8cd98f00b204e9800998ecf8427e')
        self.assertEqual('glance/0f4a2d1e-3b1c-4d5e-8f9a-0b1c2d3e4f5a:'
                         'd41d8cd98f00b204e9800998ecf8427e',
                         images.local_reference(meta))
        renamed = fakes.image_meta(image_id=meta.id, checksum=meta.checksum,
                                   name='another name')
        self.assertEqual(images.local_reference(meta),
                         images.local_reference(renamed))

    def test_changed_data_changes_reference(self):
        meta = fakes.image_meta(checksum='a' * 32)
        changed = fakes.image_meta(image_id=meta.id, checksum='b' * 32)
        self.assertNotEqual(images.local_reference(meta),
                            images.local_reference(changed))

    def test_ensure_returns_image_present_in_engine(self):
        meta = fakes.image_meta(checksum='c' * 32)
        handler = images.ImageHandler(FakeEngine(
            [images.local_reference(meta)]))
        self.assertEqual(images.local_reference(meta), handler.ensure(meta))

    def test_ensure_names_missing_image(self):
        meta = fakes.image_meta()
        error = self.assertRaises(exception.ImageUnacceptable,
                                  images.ImageHandler(FakeEngine()).ensure,
                                  meta)
        self.assertIn(images.local_reference(meta), error.format_message())
