package host

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// cpu is one online logical CPU and where it sits.
type cpu struct {
	id, node, socket, die, core int
	siblings                    string
}

// topology is the machine's CPUs grouped the way libvirt's nodeinfo and capabilities
// describe them.
type topology struct {
	cpus  []cpu
	nodes []int // NUMA node ids
}

func (f fs) topology() (topology, error) {
	online := cpuList(f.read("sys/devices/system/cpu/online"))
	if len(online) == 0 {
		return topology{}, fmt.Errorf("no online CPUs listed in %s", f.path("sys/devices/system/cpu/online"))
	}
	nodeOf := map[int]int{}
	nodes := []int{}
	dirs, _ := filepath.Glob(f.path("sys/devices/system/node/node[0-9]*"))
	for _, d := range dirs {
		id, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "node"))
		if err != nil {
			continue
		}
		nodes = append(nodes, id)
		rel := strings.TrimPrefix(d, string(f))
		for _, c := range cpuList(f.read(filepath.Join(rel, "cpulist"))) {
			nodeOf[c] = id
		}
	}
	sort.Ints(nodes)
	if len(nodes) == 0 {
		nodes = []int{0} // kernels without NUMA support still have one node
	}
	t := topology{nodes: nodes}
	for _, id := range online {
		base := fmt.Sprintf("sys/devices/system/cpu/cpu%d/topology/", id)
		c := cpu{id: id, node: nodeOf[id]}
		c.socket, _ = f.readInt(base + "physical_package_id")
		c.die, _ = f.readInt(base + "die_id")
		c.core, _ = f.readInt(base + "core_id")
		c.siblings = f.read(base + "thread_siblings_list")
		if c.siblings == "" {
			c.siblings = strconv.Itoa(id)
		}
		if c.socket < 0 {
			c.socket = 0
		}
		t.cpus = append(t.cpus, c)
	}
	return t, nil
}

// shape returns sockets per node, dies per socket, cores per die and threads per core,
// as libvirt's virHostCPUGetInfo computes them: the largest counts seen, so that their
// product covers every online CPU.
func (t topology) shape() (sockets, dies, cores, threads int) {
	type key struct{ node, socket, die, core int }
	sock := map[[2]int]bool{}
	die := map[[3]int]bool{}
	core := map[key]int{}
	for _, c := range t.cpus {
		sock[[2]int{c.node, c.socket}] = true
		die[[3]int{c.node, c.socket, c.die}] = true
		core[key{c.node, c.socket, c.die, c.core}]++
	}
	perNode := map[int]int{}
	for k := range sock {
		perNode[k[0]]++
	}
	perSocket := map[[2]int]int{}
	for k := range die {
		perSocket[[2]int{k[0], k[1]}]++
	}
	perDie := map[[3]int]int{}
	for k := range core {
		perDie[[3]int{k.node, k.socket, k.die}]++
	}
	sockets, dies, cores, threads = maxOf(perNode), maxOf(perSocket), maxOf(perDie), maxOf(core)
	return
}

func maxOf[K comparable](m map[K]int) int {
	best := 1
	for _, v := range m {
		best = max(best, v)
	}
	return best
}
