package storage

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/remote"
)

// ConnectGetStoragePoolCapabilities lists every pool type libvirt knows, supported or
// not, with the source and volume formats of each (virStoragePoolCapsFormat).
func (d *Driver) ConnectGetStoragePoolCapabilities(ctx context.Context, a libvirt.ConnectGetStoragePoolCapabilitiesArgs) (libvirt.ConnectGetStoragePoolCapabilitiesRet, error) {
	if err := remote.CheckFlags(a.Flags, 0, remote.ConnectGetStoragePoolCapabilities); err != nil {
		return libvirt.ConnectGetStoragePoolCapabilitiesRet{}, err
	}
	return libvirt.ConnectGetStoragePoolCapabilitiesRet{Capabilities: poolCapabilities()}, nil
}

func poolCapabilities() string {
	var w xmlWriter
	w.open("<storagepoolCapabilities>")
	for typ, name := range poolTypes {
		yes := "no"
		if supported(typ) {
			yes = "yes"
		}
		info := poolTypeInfos[typ]
		w.open("<pool type='%s' supported='%s'>", name, yes)
		if info.formats != nil {
			w.open("<poolOptions>")
			w.line("<defaultFormat type='%s'/>", info.formats[info.defaultFormat])
			w.open("<enum name='sourceFormatType'>")
			for _, f := range info.formats {
				w.line("<value>%s</value>", f)
			}
			w.close("enum")
			w.close("poolOptions")
		}
		if info.volFormats != nil {
			w.open("<volOptions>")
			w.line("<defaultFormat type='%s'/>", info.volFormats[info.defaultVolFormat])
			w.open("<enum name='targetFormatType'>")
			for _, f := range info.volFormats[:info.volFormatsShown] {
				w.line("<value>%s</value>", f)
			}
			w.close("enum")
			w.close("volOptions")
		}
		w.close("pool")
	}
	w.close("storagepoolCapabilities")
	return w.String()
}
