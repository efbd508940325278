# SPDX-License-Identifier: Apache-2.0
# A recorded graph with one upward link and one sibling include: architecture.layers.can_fail
# runs check_layers.cmake on it and must fail (the check is not a test that cannot fail).
set(HMX_SOURCE_DIR "/src")
set(HMX_FOLDERS "abi;libhmx;adapters/reference;adapters/kvm;adapters/xen")
set(HMX_LAYER_abi 2)
set(HMX_LAYER_libhmx 3)
set(HMX_LAYER_adapters_reference 4)
set(HMX_LAYER_adapters_kvm 5)
set(HMX_LAYER_adapters_xen 5)
set(HMX_T_core_DIR "/src/adapters/reference")
set(HMX_T_core_LINKS "kvm")
set(HMX_T_core_INCLUDES "/src/adapters/reference/include")
set(HMX_T_kvm_DIR "/src/adapters/kvm")
set(HMX_T_kvm_LINKS "core")
set(HMX_T_kvm_INCLUDES "/src/adapters/kvm/../xen/include")
set(HMX_TARGETS "core;kvm")
