# Networks as units: the setup oneshot and dnsmasq show in systemctl, systemd
# restarts a killed dnsmasq, and net-destroy leaves no unit, bridge or rule. /sys is
# read-only here, as in every nspawn container.
. /in/scenarios/lib.sh

! touch /sys/class/net/probe 2>/dev/null || fail "/sys is writable in the container"
cat > /tmp/net1.xml <<XML
<network>
  <name>net1</name>
  <forward mode='nat'/>
  <bridge name='virbr1' stp='on' delay='0'/>
  <ip address='192.0.2.1' netmask='255.255.255.0'><dhcp><range start='192.0.2.100' end='192.0.2.150'/></dhcp></ip>
</network>
XML
check "define net1" netvirsh net-define /tmp/net1.xml
check "start net1" netvirsh net-start net1
units=$(systemctl list-units --no-legend --plain 'virtnetwork-*' | awk '{print $1, $3, $4}')
echo "$units" | grep -qx 'virtnetwork-net1.service active exited' || fail "setup unit: $units" virtnetworkd.service
echo "$units" | grep -qx 'virtnetwork-net1-dnsmasq.service active running' || fail "dnsmasq unit: $units" virtnetwork-net1-dnsmasq.service
ip -d link show virbr1 | grep -q 'stp_state 1' || fail "bridge: $(ip -d link show virbr1)" virtnetwork-net1.service
nft list table ip libvirt_network | grep -q masquerade || fail "no NAT rules" virtnetwork-net1.service

dns=virtnetwork-net1-dnsmasq.service
pid=$(systemctl show -p MainPID --value $dns)
kill -9 "$pid"
wait_for 10 "systemd restarts dnsmasq" sh -c "p=\$(systemctl show -p MainPID --value $dns); [ \"\$p\" != 0 ] && [ \"\$p\" != $pid ] && systemctl is-active -q $dns"
[ "$(systemctl show -p NRestarts --value $dns)" = 1 ] || fail "NRestarts: $(systemctl show -p NRestarts $dns)" $dns

check "destroy net1" netvirsh net-destroy net1
left=$(systemctl list-units --all --no-legend --plain 'virtnetwork-*')
[ -z "$left" ] || fail "units left after net-destroy: $left" virtnetworkd.service
! ip link show virbr1 >/dev/null 2>&1 || fail "bridge left after net-destroy"
! nft list ruleset | grep -q 'virtunit network net1' || fail "rules left: $(nft list ruleset)"
check "undefine net1" netvirsh net-undefine net1
echo ok
