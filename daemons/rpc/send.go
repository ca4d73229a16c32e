package rpc

// SendMessage queues an asynchronous MESSAGE packet (an event) for the client. Events
// never block the publisher: a client that stops reading and lets thousands pile up is
// disconnected instead.
func (c *Client) SendMessage(program uint32, proc int32, body any) error {
	// libvirtd sends events with serial 1, whatever the .x file says.
	pkt, err := EncodePacket(Header{Program: program, Version: 1, Procedure: proc, Type: Message, Serial: 1}, body)
	if err != nil {
		return err
	}
	c.enqueue(pkt)
	return nil
}

// SendRawMessage queues a MESSAGE packet whose payload is already encoded (an event
// forwarded from another daemon).
func (c *Client) SendRawMessage(program uint32, proc int32, payload []byte) error {
	pkt, err := EncodeRawPacket(Header{Program: program, Version: 1, Procedure: proc, Type: Message, Serial: 1}, payload)
	if err != nil {
		return err
	}
	c.enqueue(pkt)
	return nil
}

const maxQueuedMessages = 10000

func (c *Client) enqueue(pkt []byte) {
	c.qmu.Lock()
	if len(c.queue) >= maxQueuedMessages {
		c.qmu.Unlock()
		c.srv.log.Warn("client does not read its events; closing it", "client", c.id, "queued", maxQueuedMessages)
		c.Close()
		return
	}
	c.queue = append(c.queue, pkt)
	if c.sending {
		c.qmu.Unlock()
		return
	}
	c.sending = true
	c.qmu.Unlock()
	go c.drain()
}

func (c *Client) drain() {
	for {
		c.qmu.Lock()
		if len(c.queue) == 0 {
			c.sending = false
			c.qmu.Unlock()
			return
		}
		pkt := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		c.qmu.Unlock()
		c.write(pkt)
	}
}

func (c *Client) send(h Header, body any) {
	pkt, err := EncodePacket(h, body)
	if err != nil {
		c.srv.log.Error("cannot encode packet", "err", err)
		return
	}
	c.write(pkt)
}

func (c *Client) write(pkt []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.conn.Write(pkt); err != nil {
		c.Close()
	}
}
