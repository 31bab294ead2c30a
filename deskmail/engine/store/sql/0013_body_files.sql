-- Version 13: the bodies kept as files, found
-- without reading the others. Every opening of a store sweeps the bodies folder for files no row
-- points at (Store.sweep_orphan_bodies), and to list the rows that point at a file it read the
-- whole bodies table: with the raw message inline before `path`, every page of every body
-- downloaded for offline reading (60 ms a `deskmail sync` at 100,000 kept bodies, their 600 MB
-- read from disk when not cached). This index holds only the few rows that have a file.
CREATE INDEX bodies_files ON bodies (path) WHERE path != '';
