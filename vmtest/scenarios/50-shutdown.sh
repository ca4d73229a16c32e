# Prepares the host's shutdown, which the harness then carries out: a running guest,
# which the journal (on the host's side of a bind mount) must show shut down
# gracefully before virtqemud stops.
. /in/scenarios/lib.sh

tiny_guest vm2
check "start vm2" virsh start vm2
ready vm2
echo ok
