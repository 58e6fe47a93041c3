# SPDX-License-Identifier: Apache-2.0
# Debian packages peranda-agent and peranda-master: `cpack -G DEB` in the
# build directory (after building). Absolute destinations below are where
# Debian expects them, whatever CMAKE_INSTALL_PREFIX says.

set(peranda_deploy ${PROJECT_SOURCE_DIR}/deploy)
set(peranda_descriptions_agent
    "peranda agent: ships this host's logs and alarms over MQTT\n"
    "Runs on every host of the fleet and connects outward to an MQTT broker only.")
set(peranda_descriptions_master
    "peranda master: collects logs and alarms from peranda agents\n"
    "Includes peranda-ctl, the operator's command line.")

# deploy/agent.toml names its collectors relative to itself (deploy/collectors/,
# so it checks and runs from the tree); the packaged copy names where the
# package puts them.
file(READ ${peranda_deploy}/agent.toml peranda_agent_toml)
string(REPLACE "\"collectors/" "\"/usr/lib/peranda/collectors/" peranda_agent_toml
       "${peranda_agent_toml}")
file(WRITE ${PROJECT_BINARY_DIR}/packaging/agent.toml "${peranda_agent_toml}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${peranda_deploy}/agent.toml)
set(peranda_config_agent ${PROJECT_BINARY_DIR}/packaging/agent.toml)
set(peranda_config_master ${peranda_deploy}/master.toml)

foreach(component agent master)
  string(TOUPPER ${component} upper)
  install(FILES ${peranda_config_${component}} DESTINATION /etc/peranda COMPONENT ${component})
  install(FILES ${peranda_deploy}/systemd/peranda-${component}.service
                ${peranda_deploy}/systemd/peranda-${component}-forking.service
          DESTINATION /lib/systemd/system COMPONENT ${component})
  install(PROGRAMS ${peranda_deploy}/scripts/peranda-start ${peranda_deploy}/scripts/peranda-stop
          DESTINATION /usr/lib/peranda/${component} COMPONENT ${component})
  # One source per snippet; a name per package so both can be installed.
  install(FILES ${peranda_deploy}/sysusers/peranda.conf DESTINATION /usr/lib/sysusers.d
          RENAME peranda-${component}.conf COMPONENT ${component})
  install(FILES ${peranda_deploy}/tmpfiles/peranda.conf DESTINATION /usr/lib/tmpfiles.d
          RENAME peranda-${component}.conf COMPONENT ${component})
  install(FILES ${PROJECT_SOURCE_DIR}/docs/operations.md ${PROJECT_SOURCE_DIR}/docs/protocol.md
          DESTINATION /usr/share/doc/peranda-${component} COMPONENT ${component})

  set(scripts "")
  foreach(script postinst prerm postrm conffiles)
    configure_file(${peranda_deploy}/packaging/${script}.in
                   ${PROJECT_BINARY_DIR}/packaging/${component}/${script} @ONLY)
    list(APPEND scripts ${PROJECT_BINARY_DIR}/packaging/${component}/${script})
  endforeach()
  set(CPACK_DEBIAN_${upper}_PACKAGE_NAME peranda-${component})
  set(CPACK_DEBIAN_${upper}_PACKAGE_CONTROL_EXTRA "${scripts}")
  string(JOIN "" CPACK_COMPONENT_${upper}_DESCRIPTION ${peranda_descriptions_${component}})
endforeach()

# Collectors (scripts the agent's exec sources run), when the tree has them.
if(EXISTS ${peranda_deploy}/collectors)
  install(DIRECTORY ${peranda_deploy}/collectors/ DESTINATION /usr/lib/peranda/collectors
          USE_SOURCE_PERMISSIONS COMPONENT agent)
endif()
# What a broker host needs: the production config, the ACL, the bridge, and
# the provisioning scripts (the master host usually runs the broker too).
install(FILES ${PROJECT_SOURCE_DIR}/broker-config/production.conf
              ${PROJECT_SOURCE_DIR}/broker-config/acl ${PROJECT_SOURCE_DIR}/broker-config/bridge.conf
        DESTINATION /usr/share/peranda/broker-config COMPONENT master)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/provision-node.sh
                 ${PROJECT_SOURCE_DIR}/scripts/make-test-ca.sh
        DESTINATION /usr/share/peranda/scripts COMPONENT master)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME peranda)
set(CPACK_PACKAGE_VENDOR peranda)
set(CPACK_PACKAGE_CONTACT "peranda maintainers <peranda@example.org>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL agent master)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/peranda")
# dpkg-shlibdeps turns the binaries' shared libraries into Depends:
# libpaho-mqttpp3-1, libre2-9, libsystemd0, libssl3, libspdlog1.10, ...
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Debug info stays in the build tree: the packaged binaries are stripped.
set(CPACK_STRIP_FILES ON)
# useradd (passwd) is required priority in Debian; nothing else is needed.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
