# nova loads compute_driver=docker.DockerDriver as nova.virt.docker; the
# driver itself lives in the novadocker package.
from novadocker import driver

DockerDriver = driver.DockerDriver
