#!/usr/bin/perl

# A store of schema 1 (fixed-size counter blocks: nine i64 totals and
# i32 days[9][31] a month, nine i64 totals of all time) is rewritten as
# schema 2 (varints of the days that are not zero), then as schema 3
# (issue 18: the 'R' series by return channel, the counters after the
# first nine, from the records) and as schema 6 (issue 20: a block of
# totals per year, from the months, with its December 31 of the two
# counters a one-year query's last cut reads, the years and all time of
# every series in a key range apart from the months) when first opened
# read-write, here by nginx's two workers at once: the statistics through
# nginx are the same to the byte as before, `verify` finds every counter
# equal to the records.  Stores of schema 4 (the years after each series'
# months, totals alone) and 5 (the same with their last day) are upgraded
# to 6 the same way.
#
# The schema 1 store is made here from a schema 2 one, with mdb_dump and
# mdb_load: each counter block decoded from schema 2 and written back in
# the layout of lmdb-schema/onestop_schema.h's schema 1.

use v5.36;

use lib 't/lib';

use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);

use Onestop::Test;

local $SIG{ALRM} = sub { BAIL_OUT('upgrade.t did not finish in 120 s') };
alarm 120;

my $t = Onestop::Test->new(workers => 2, today => '2024-06-15');
my $dir = $t->dir;
my $store = $t->store;

my ($rc, $out, $err) = $t->cli('demo', 3000);
is($rc, 0, 'a demo store of 3,000 dossiers') or diag($err);

my @queries = ('', 'group=agency', 'period=year&group=channel',
    'from=2023-01-01&to=2023-12-31&group=agency',
    'from=2023-01-01&to=2024-06-15&interval=month',
    'group=procedure&channel=online');

$t->write_standard_conf(serve => ['stats'], map_size => undef,
    zone => '8m', keys => 0);

sub answers {
    my %a;
    for my $q (@queries) {
        my $r = $t->get("/api/v1/stats?$q");
        $a{$q} = $r->{status} == 200 ? $r->{content} : "status $r->{status}";
    }
    return \%a;
}

ok($t->start, 'nginx on the schema 2 store');
my $before = answers();
ok(!grep({ /^status/ } values %$before), 'every query answered');
$t->stop;

# --- schema 2 -> schema 1 -------------------------------------------------

sub varint($bytes, $pos) {
    my ($v, $shift) = (0, 0);
    while (1) {
        my $b = ord substr($bytes, $$pos++, 1);
        $v |= ($b & 0x7f) << $shift;
        return $v unless $b & 0x80;
        $shift += 7;
    }
}

sub unzigzag($v) { ($v >> 1) ^ -($v & 1) }

# a block of more counters (schema 3's: a byte 1, then their count)
# keeps its first nine: the rest were not counted before schema 3
sub to_schema1($key, $value) {
    my $pos = 0;
    my $month = unpack('n', substr($key, -2));
    my $count = 9;
    if (substr($value, 0, 1) eq "\x01") {
        $pos = 1;
        $count = varint($value, \$pos);
    }
    my @tot = map { unzigzag(varint($value, \$pos)) } 1 .. $count;
    my @days;
    my $totals_only = $month >= 0xf000;     # a year, or all time
    if ($month >= 0xf000 && $month < 0xffff) {
        varint($value, \$pos) for 1 .. 2;   # a year's last day (schema 5)
    }
    for my $c (0 .. $count - 1) {
        last if $totals_only;
        my $mask = varint($value, \$pos);
        for my $d (0 .. 30) {
            my $v = $mask >> $d & 1 ? unzigzag(varint($value, \$pos)) : 0;
            $days[$c * 31 + $d] = $v if $c < 9;
        }
    }
    die "trailing bytes in a counter block\n" if $pos != length $value;
    splice(@tot, 9);
    return pack('q<9', @tot) if $totals_only;
    return pack('q<9 l<279 x4', @tot, @days);
}

# the store's databases as mdb_dump gives them (`$which`: -a, or -s and
# a name), each entry passed through `$change` (given its database's name,
# its number, its key and its bytes, all binary; it returns the new key
# and bytes, or nothing to keep them); returns the dump
sub dump_with($which, $change) {
    my $dump = `mdb_dump $which $store`;
    $? == 0 or BAIL_OUT('mdb_dump failed');
    my $out = '';
    for my $section (split /(?=^VERSION=)/m, $dump) {
        my ($head, $data) = $section =~ /\A(.*?HEADER=END\n)(.*)DATA=END\n\z/s
            or BAIL_OUT('an mdb_dump I cannot read');
        my ($db) = $head =~ /^database=(.*)$/m;
        my @lines = split /\n/, $data;
        my $n = 0;
        $out .= $head;
        while (my ($k, $v) = splice(@lines, 0, 2)) {
            $k =~ s/^ //;
            $v =~ s/^ //;
            my @new = $change->($db // '', $n++, pack('H*', $k),
                                pack('H*', $v));
            ($k, $v) = map { unpack('H*', $_) } @new if @new;
            $out .= " $k\n $v\n";
        }
        $out .= "DATA=END\n";
    }
    return $out;
}

# the counters database with the blocks `$which` picks (given their
# number, bytes and key) in schema 1's layout; returns the dump and how
# many blocks it holds (the 'R' series of schema 3 are left: the upgrade
# to 3 makes them anew, as it would for a store that never had them; the
# year blocks, as totals, are made anew by the upgrade to 5)
sub schema1_dump($which) {
    my $n = 0;
    my $out = dump_with('-s counters', sub ($db, $i, $k, $v) {
        $n++;
        return $which->($i, unpack('H*', $v), unpack('H*', $k))
            ? ($k, to_schema1($k, $v)) : ();
    });
    return ($out, $n);
}

my ($v1, $blocks) = schema1_dump(sub { 1 });

ok($blocks > 1000, "$blocks counter blocks");

# the counters of a dump loaded into the store (keys it has not are kept),
# its schema version set to `$schema`
sub load_as($schema, $counters, $what) {
    $t->spew("counters$schema.dump", $counters);
    $t->spew("meta$schema.dump", "VERSION=3\nformat=bytevalue\n"
        . "database=meta\ntype=btree\nHEADER=END\n "
        . unpack('H*', 'schema_version') . "\n "
        . unpack('H*', pack('V', $schema)) . "\nDATA=END\n");
    is(system("mdb_load -s counters -f $dir/counters$schema.dump $store "
        . "2>>$dir/mdb_load.log"), 0, $what);
    is(system("mdb_load -s meta -f $dir/meta$schema.dump $store "
        . "2>>$dir/mdb_load.log"), 0, "schema_version $schema");
}

load_as(1, $v1, 'counters written back as schema 1');
like(`mdb_stat -s counters $store`, qr/Entries: $blocks\b/,
    'as many blocks as before');

# --- nginx's workers upgrade it (both open it at once) -------------------


ok($t->start, 'nginx on the schema 1 store');
my $after = answers();
for my $q (@queries) {
    is($after->{$q}, $before->{$q}, "stats?$q: the same after the upgrade");
}
$t->stop;

like(`mdb_dump -s meta $store`, qr/\n 06000000\n/, 'schema_version is 6');
($rc, $out, $err) = $t->cli('verify');
is($rc, 0, 'verify: every counter equals the records') or diag($out, $err);

# --- schema 4 and 5 -> 6 -----------------------------------------------------
# Schema 4 kept each series' years and all time after its months, under
# its own tag, the years as totals alone; schema 5 the same with each
# year's last day.  Such a store is made from the current one: every
# database dumped, the counters' years and all time moved back under the
# series' tag (and their last day taken off for 4), loaded anew.

# the store's dump in the layout of schema 4 or 5; how many blocks moved
sub old_layout($schema) {
    my $moved = 0;
    my $out = dump_with('-a', sub ($db, $i, $k, $v) {
        if ($db eq 'meta' && $k eq 'schema_version') {
            return ($k, pack('V', $schema));
        }
        return () unless $db eq 'counters' && ord($k) >= 0x61;
        $moved++;
        $k = uc(substr($k, 0, 1)) . substr($k, 1);
        my $month = unpack('n', substr($k, -2));
        return ($k, $v) if $schema == 5 || $month == 0xffff;
        my ($pos, $count) = (0, 9);
        if (substr($v, 0, 1) eq "\x01") {
            $pos = 1;
            $count = varint($v, \$pos);
        }
        varint($v, \$pos) for 1 .. $count;
        return ($k, substr($v, 0, $pos));       # the totals alone
    });
    return ($out, $moved);
}

for my $old (4, 5) {
    my ($dump, $moved) = old_layout($old);
    ok($moved > 100, "schema $old: $moved blocks of years and all time "
        . 'after their months');
    $t->spew("all$old.dump", $dump);
    unlink("$store/data.mdb", "$store/lock.mdb");
    is(system("mdb_load -f $dir/all$old.dump $store 2>>$dir/mdb_load.log"),
        0, "a store of schema $old");
    ok($t->start, "nginx on the schema $old store");
    $after = answers();
    for my $q (@queries) {
        is($after->{$q}, $before->{$q}, "stats?$q: the same after $old -> 6");
    }
    $t->stop;
    like(`mdb_dump -s meta $store`, qr/\n 06000000\n/, 'schema_version is 6');
    ($rc, $out, $err) = $t->cli('verify');
    is($rc, 0, "verify after $old -> 6: every counter equals the records")
        or diag($out, $err);
}

# --- blocks of the old layout in a schema 2 store ------------------------
# (what a process of the older build, still running beside an upgraded
# store, writes): read as such, rewritten in schema 2 when they change

# (never a year block: no build of schema 1 wrote one)
my ($mixed) = schema1_dump(sub ($n, $v, $k) {
    my $month = hex(substr($k, -4));
    $n % 3 == 0 && $v !~ /^01/ && ($month < 0xf000 || $month == 0xffff) });
$t->spew('mixed.dump', $mixed);
is(system("mdb_load -s counters -f $dir/mixed.dump $store 2>>$dir/mdb_load.log"), 0,
    'a third of the blocks back in the old layout');
ok($t->start, 'nginx on the store with old blocks');
$after = answers();
for my $q (@queries) {
    is($after->{$q}, $before->{$q}, "stats?$q: the same with old blocks");
}
$t->stop;
($rc, $out) = $t->cli('stats', '--group', 'agency,procedure');
my ($pair) = @{JSON::PP->new->utf8->decode($out)->{groups}};
($rc, $out, $err) = $t->cli('import', '-', \(JSON::PP->new->encode({
    code => 'UPG-1', version => 1, agency => $pair->{agency},
    procedure => $pair->{procedure}, channel => 'online',
    received_at => '2024-06-10T09:00:00+07:00',
    due_at => '2024-06-20T17:00:00+07:00',
    applicant => {name => 'Nguyễn Văn A'}}) . "\n"));
is($rc, 0, 'a write over old blocks') or diag($err);
($rc, $out, $err) = $t->cli('verify');
is($rc, 0, 'verify after the write: every counter equals the records')
    or diag($out, $err);

$t->check_log;

alarm 0;
done_testing;
