package firewall

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
)

// Conn changes the firewall of the calling process's network namespace.
type Conn struct {
	nft *nftables.Conn
}

// New connects to nftables, in the calling process's network namespace unless an
// option names another. Callers serialize Apply and Remove across processes (the jump
// rules of the shared chains must be added once).
func New(opts ...nftables.ConnOption) (*Conn, error) {
	c, err := nftables.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("nftables: %w", err)
	}
	return &Conn{nft: c}, nil
}

// families are the two private tables, as libvirt creates both whatever the network.
var families = []nftables.TableFamily{nftables.TableFamilyIPv4, nftables.TableFamilyIPv6}

// Apply installs the rules of s in one transaction, first dropping any rules carrying
// s.Tag (a crash may have left them), and returns what it added.
func (c *Conn) Apply(s Spec) (Removal, error) {
	rm := Removal{Tag: s.Tag}
	if s.Tag == "" {
		return rm, errors.New("firewall: empty tag")
	}
	rs := rules(s)
	if len(rs) == 0 {
		return rm, nil
	}
	for _, f := range families {
		if err := c.ensureChains(f); err != nil {
			return rm, err
		}
	}
	if _, err := c.sweep(s.Tag); err != nil {
		return rm, err
	}
	udata := tagData(s.Tag)
	for _, r := range rs {
		t := &nftables.Table{Name: tableName, Family: r.fam}
		c.nft.InsertRule(&nftables.Rule{Table: t, Chain: &nftables.Chain{Name: r.chain, Table: t}, Exprs: r.exprs, UserData: udata})
	}
	if err := c.nft.Flush(); err != nil {
		return rm, fmt.Errorf("add firewall rules for %s: %w", s.Bridge, err)
	}
	return c.installed(s.Tag)
}

// Remove deletes the rules of r. A rule is deleted when it carries r's tag: that guards
// the saved handles against a table recreated since (handles are reused then), and also
// catches rules added in a run that died before saving its removal list. It returns the
// rules deleted that were not in r, for the caller to log.
func (c *Conn) Remove(r Removal) ([]Rule, error) {
	if r.Tag == "" {
		return nil, nil
	}
	deleted, err := c.sweep(r.Tag)
	if err != nil {
		return nil, err
	}
	if err := c.nft.Flush(); err != nil {
		return nil, fmt.Errorf("remove firewall rules %q: %w", r.Tag, err)
	}
	var strays []Rule
	for _, d := range deleted {
		if !slices.Contains(r.Rules, d) {
			strays = append(strays, d)
		}
	}
	return strays, nil
}

func tagData(tag string) []byte { return userdata.AppendString(nil, userdata.TypeComment, tag) }

func hasTag(r *nftables.Rule, tag string) bool {
	s, ok := userdata.GetString(r.UserData, userdata.TypeComment)
	return ok && s == tag
}

// chains are the chains a network's rules live in.
var chains = []string{chainOut, chainIn, chainCross, chainNAT}

// sweep queues the deletion of every rule carrying tag and reports them.
func (c *Conn) sweep(tag string) ([]Rule, error) {
	var out []Rule
	for _, f := range families {
		t := &nftables.Table{Name: tableName, Family: f}
		for _, ch := range chains {
			rs, err := c.nft.GetRules(t, &nftables.Chain{Name: ch, Table: t})
			if err != nil && notFound(err) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("list %s %s %s: %w", familyName(f), tableName, ch, err)
			}
			for _, r := range rs {
				if !hasTag(r, tag) {
					continue
				}
				r.Table, r.Chain = t, &nftables.Chain{Name: ch, Table: t}
				if err := c.nft.DelRule(r); err != nil {
					return nil, err
				}
				out = append(out, Rule{Family: familyName(f), Chain: ch, Handle: r.Handle})
			}
		}
	}
	return out, nil
}

// notFound recognizes the kernel's ENOENT for a missing table or chain, which the
// library reports wrapped in text.
func notFound(err error) bool {
	return bytes.Contains([]byte(err.Error()), []byte("no such file or directory"))
}

// installed lists the rules now carrying tag: the removal list.
func (c *Conn) installed(tag string) (Removal, error) {
	rm := Removal{Tag: tag}
	for _, f := range families {
		t := &nftables.Table{Name: tableName, Family: f}
		for _, ch := range chains {
			rs, err := c.nft.GetRules(t, &nftables.Chain{Name: ch, Table: t})
			if err != nil {
				return rm, fmt.Errorf("list %s %s %s: %w", familyName(f), tableName, ch, err)
			}
			for _, r := range rs {
				if hasTag(r, tag) {
					rm.Rules = append(rm.Rules, Rule{Family: familyName(f), Chain: ch, Handle: r.Handle})
				}
			}
		}
	}
	return rm, nil
}

// ensureChains queues the creation of what is missing of the family's table: the
// table, its chains, and the forward chain's jumps (nftablesSetupPrivateChains).
func (c *Conn) ensureChains(f nftables.TableFamily) error {
	t := &nftables.Table{Name: tableName, Family: f}
	existing := map[string]bool{}
	chs, err := c.nft.ListChainsOfTableFamily(f)
	if err != nil {
		return fmt.Errorf("list %s chains: %w", familyName(f), err)
	}
	for _, ch := range chs {
		if ch.Table.Name == tableName {
			existing[ch.Name] = true
		}
	}
	jumps := map[string]bool{}
	if existing[chainFwd] {
		rs, err := c.nft.GetRules(t, &nftables.Chain{Name: chainFwd, Table: t})
		if err != nil {
			return fmt.Errorf("list %s %s %s: %w", familyName(f), tableName, chainFwd, err)
		}
		for _, r := range rs {
			for _, e := range r.Exprs {
				if v, ok := e.(*expr.Verdict); ok && v.Kind == expr.VerdictJump {
					jumps[v.Chain] = true
				}
			}
		}
	}
	c.nft.AddTable(t)
	accept := nftables.ChainPolicyAccept
	if !existing[chainFwd] {
		c.nft.AddChain(&nftables.Chain{Name: chainFwd, Table: t, Type: nftables.ChainTypeFilter,
			Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityFilter, Policy: &accept})
	}
	// libvirt inserts the jumps in this order, each at the head.
	for _, ch := range []string{chainOut, chainIn, chainCross} {
		if !existing[ch] {
			c.nft.AddChain(&nftables.Chain{Name: ch, Table: t})
		}
		if !jumps[ch] {
			c.nft.InsertRule(&nftables.Rule{Table: t, Chain: &nftables.Chain{Name: chainFwd, Table: t},
				Exprs: []expr.Any{counter(), &expr.Verdict{Kind: expr.VerdictJump, Chain: ch}}})
		}
	}
	if !existing[chainNAT] {
		c.nft.AddChain(&nftables.Chain{Name: chainNAT, Table: t, Type: nftables.ChainTypeNAT,
			Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource, Policy: &accept})
	}
	return nil
}
