"""Neutron ports plugged into containers: veth pairs into namespaces."""
