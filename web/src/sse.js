// Server-sent events over fetch(): EventSource cannot send the Authorization header.
// Parses the text/event-stream format (id, event, data fields; blank line ends an event)
// and reconnects with Last-Event-ID after a dropped connection, until the server ends
// the stream (it does after the job's last event) or the caller aborts.

export function parseEvents(buffer, onEvent) {
  // Returns what is left after the last complete event.
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop();
  for (const block of blocks) {
    const event = { id: null, type: 'message', data: [] };
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'id') event.id = value;
      else if (field === 'event') event.type = value;
      else if (field === 'data') event.data.push(value);
    }
    if (event.data.length || event.id !== null) onEvent({ ...event, data: event.data.join('\n') });
  }
  return rest;
}

export async function followEvents(url, headers, onEvent, { signal, retries = 5 } = {}) {
  let lastId = null;
  let failures = 0;
  while (!signal?.aborted) {
    try {
      const response = await fetch(url, {
        headers: { ...headers, Accept: 'text/event-stream', ...(lastId ? { 'Last-Event-ID': lastId } : {}) },
        signal,
        cache: 'no-store',
      });
      if (!response.ok) throw new Error(`events: HTTP ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        failures = 0;
        buffer = parseEvents(buffer + value, (event) => {
          if (event.id !== null) lastId = event.id;
          onEvent(event);
        });
      }
      return; // the server ended the stream: the job is over
    } catch (error) {
      if (signal?.aborted) return;
      if (++failures > retries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * failures));
    }
  }
}
