from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class Specialization(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SPECIALIZATION_UNSPECIFIED: _ClassVar[Specialization]
    SPECIALIZATION_ELECTRICIAN: _ClassVar[Specialization]
    SPECIALIZATION_PLUMBER: _ClassVar[Specialization]
    SPECIALIZATION_HEATING: _ClassVar[Specialization]
    SPECIALIZATION_VENTILATION: _ClassVar[Specialization]
    SPECIALIZATION_ELEVATOR: _ClassVar[Specialization]
    SPECIALIZATION_CLEANING: _ClassVar[Specialization]
    SPECIALIZATION_SECURITY: _ClassVar[Specialization]
    SPECIALIZATION_LANDSCAPING: _ClassVar[Specialization]
    SPECIALIZATION_REPAIR: _ClassVar[Specialization]
    SPECIALIZATION_UNIVERSAL: _ClassVar[Specialization]
SPECIALIZATION_UNSPECIFIED: Specialization
SPECIALIZATION_ELECTRICIAN: Specialization
SPECIALIZATION_PLUMBER: Specialization
SPECIALIZATION_HEATING: Specialization
SPECIALIZATION_VENTILATION: Specialization
SPECIALIZATION_ELEVATOR: Specialization
SPECIALIZATION_CLEANING: Specialization
SPECIALIZATION_SECURITY: Specialization
SPECIALIZATION_LANDSCAPING: Specialization
SPECIALIZATION_REPAIR: Specialization
SPECIALIZATION_UNIVERSAL: Specialization
