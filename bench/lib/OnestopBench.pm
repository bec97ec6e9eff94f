package OnestopBench;

# What the benchmarks share: the machine's description and load, wrk run
# and read (with the CPU that nginx, wrk and everybody else used during
# the run, so that a disturbed figure shows), baselines of nginx's own
# `return 200` with a body of a given size, the engine's helper program
# (bench/onestop_bench.c) built against build/libonestop.a, and a table.
#
# Every figure is compared with a baseline measured in the same run and
# the same nginx, in alternating rounds, so that whatever else the machine
# is doing weighs on both sides alike.

use strict;
use warnings;

use Cwd qw(abs_path);
use Exporter qw(import);
use File::Basename qw(dirname);
use POSIX ();
use Time::HiRes qw(time sleep);

our @EXPORT = qw(bench_init machine_lines loadavg tool run_tool demo_store
    sample_codes wrk compare baseline_location median table say_header
    fsync_rate lua_random_paths metrics txn_id fmt_int fmt_ratio
    env_num single_lua);

our $ROOT = abs_path(dirname(__FILE__) . '/../..');
our $CLI = "$ROOT/build/onestop";
our $TOOL;

my $CLK_TCK = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;

# a number from the environment (BENCH_DURATION=5 ...), or the default
sub env_num {
    my ($name, $default) = @_;
    my $v = $ENV{$name};
    return defined $v && $v =~ /^\d+(\.\d+)?$/ ? $v : $default;
}

# checks that what the benchmarks need is there
sub bench_init {
    for my $f ("$ROOT/build/onestop", "$ROOT/build/libonestop.a",
        "$ROOT/build/ngx_http_onestop_module.so")
    {
        die "$f is missing: run make in $ROOT first\n" unless -e $f;
    }
    for my $prog (qw(wrk mdb_dump mdb_stat cc)) {
        system("command -v $prog >/dev/null 2>&1") == 0
            or die "$prog is needed (apt-get install wrk lmdb-utils gcc)\n";
    }
    $| = 1;
}

sub slurp {
    my ($file) = @_;
    open(my $fh, '<', $file) or return '';
    local $/;
    my $s = <$fh>;
    return $s // '';
}

sub loadavg {
    my @l = split ' ', slurp('/proc/loadavg');
    return "@l[0..2]";
}

# nproc, CPU, memory, the disk under `dir`, the kernel
sub machine_lines {
    my ($dir) = @_;
    my $nproc = `nproc`;
    chomp $nproc;
    my ($cpu) = slurp('/proc/cpuinfo') =~ /^model name\s*:\s*(.*)$/m;
    my ($mem) = slurp('/proc/meminfo') =~ /^MemTotal:\s*(\d+)/m;
    my $fs = `findmnt -no SOURCE,FSTYPE,OPTIONS -T $dir 2>/dev/null`;
    chomp $fs;
    $fs =~ s/,.*//;
    my ($dev) = $fs =~ m{^/dev/(\w+?)(?:p?\d+)?\s};
    my $rot = defined $dev ? slurp("/sys/block/$dev/queue/rotational") : '';
    chomp $rot;
    my $kind = $rot eq '0' ? 'non-rotational' : $rot eq '1' ? 'rotational'
        : 'unknown kind';
    my $kernel = (POSIX::uname())[2];
    return (
        "machine: $nproc CPU(s), " . ($cpu // 'unknown CPU') . ', '
            . sprintf('%.1f GiB', ($mem // 0) / 1048576)
            . " RAM, Linux $kernel",
        "disk:    $fs ($kind) for $dir",
    );
}

sub say_header {
    my ($title, $dir) = @_;
    print "== $title ==\n";
    print "$_\n" for machine_lines($dir);
    print 'load:    ', loadavg(), " (1, 5, 15 min) at the start\n";
}

# the engine's helper, built once per run into `dir`
sub tool {
    my ($dir) = @_;
    return $TOOL if defined $TOOL && -x $TOOL;
    my $out = "$dir/onestop_bench";
    my $cmd = "cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra "
        . "-Wno-unused-parameter -I$ROOT/engine -I$ROOT/lmdb-schema "
        . "$ROOT/bench/onestop_bench.c $ROOT/build/libonestop.a "
        . "-Wl,--wrap=onestop_deltas_record,--wrap=onestop_deltas_flush,"
        . "--wrap=mdb_txn_begin,--wrap=mdb_txn_commit "
        . "-llmdb -lyajl -lqrencode -lz -lcrypto -lpthread -o $out";
    system($cmd) == 0 or die "could not build bench/onestop_bench.c\n";
    $TOOL = $out;
    return $out;
}

# runs the helper; returns the fields of its one result line
sub run_tool {
    my ($dir, @args) = @_;
    my $tool = tool($dir);
    my $out = `$tool @args`;
    die "onestop_bench @args failed\n" if $? != 0;
    my ($line) = grep { /^$args[0] / } split /\n/, $out;
    die "onestop_bench @args: no result\n" unless defined $line;
    my @f = split ' ', $line;
    shift @f;
    return @f;
}

# the demo data set of n dossiers in `store` (seconds it took)
sub demo_store {
    my ($store, $n) = @_;
    my $t0 = time;
    system("$CLI --store $store demo $n >/dev/null 2>&1") == 0
        or die "onestop demo $n failed\n";
    return time - $t0;
}

# `n` codes picked at random among the store's dossiers, into `file`
sub sample_codes {
    my ($store, $n, $file) = @_;
    open(my $in, '-|', "mdb_dump -s dossiers -p $store") or die "mdb_dump: $!";
    my (@codes, $header, $odd);
    while (my $line = <$in>) {
        if (!$header) { $header = 1 if $line =~ /^HEADER=END/; next; }
        last if $line =~ /^DATA=END/;
        $odd = !$odd;
        next unless $odd;
        chomp $line;
        $line =~ s/^ //;
        push @codes, $line;
    }
    close $in;
    die "no dossier in $store\n" unless @codes;
    my @pick = map { $codes[int(rand(@codes))] } 1 .. $n;
    open(my $out, '>', $file) or die "$file: $!";
    print $out "$_\n" for @pick;
    close $out;
    return (scalar(@codes), @pick);
}

# a wrk script: every request a random line of a file between a prefix
# and a suffix (arguments: file prefix [suffix])
sub lua_random_paths {
    my ($file) = @_;
    open(my $fh, '>', $file) or die "$file: $!";
    print $fh <<'END';
local lines = {}
local prefix, suffix
local counter = 1

function setup(thread)
    thread:set("id", counter)
    counter = counter + 1
end

function init(args)
    for line in io.lines(args[1]) do lines[#lines + 1] = line end
    prefix = args[2] or ""
    suffix = args[3] or ""
    math.randomseed(os.time() * 7 + (id or 0) * 7919)
end

function request()
    return wrk.format(nil, prefix .. lines[math.random(#lines)] .. suffix)
end
END
    close $fh;
    return $file;
}

sub proc_cpu {
    my (@pids) = @_;
    my $ticks = 0;
    for my $pid (@pids) {
        my $s = slurp("/proc/$pid/stat");
        $s =~ s/^.*\) //s;
        my @f = split ' ', $s;
        $ticks += ($f[11] // 0) + ($f[12] // 0);   # utime, stime
    }
    return $ticks / $CLK_TCK;
}

sub machine_cpu {
    my ($line) = slurp('/proc/stat') =~ /^cpu\s+(.*)$/m;
    my @f = split ' ', $line;
    my $idle = $f[3] + $f[4];
    my $busy = $f[0] + $f[1] + $f[2] + $f[5] + $f[6] + ($f[7] // 0);
    return ($busy / $CLK_TCK, ($busy + $idle) / $CLK_TCK);
}

# wrk against `url`; opts: threads, conns, secs, script, args (list),
# headers (list), pids (nginx's, to measure their CPU).  Returns a hash:
# rps, requests, secs, lat_avg, lat_p50, lat_p99 (ms), bad (non-2xx/3xx),
# errors (socket), nginx, wrk, others (CPU seconds per second of run), us
# (microseconds of nginx's CPU per request: robust to a busy machine),
# load (1-minute load average after the run).
sub wrk {
    my (%o) = @_;
    my @cmd = ('wrk', '-t', $o{threads} // 2, '-c', $o{conns} // 64,
        '-d', ($o{secs} // 5) . 's', '--latency', '--timeout', '10s');
    push @cmd, '-H', $_ for @{ $o{headers} // [] };
    push @cmd, '-s', $o{script} if $o{script};
    push @cmd, $o{url};
    push @cmd, '--', @{ $o{args} } if $o{args} && @{ $o{args} };

    my @pids = @{ $o{pids} // [] };
    my ($busy0, $all0) = machine_cpu();
    my $ng0 = proc_cpu(@pids);
    my @c0 = (POSIX::times())[3, 4];
    my $t0 = time;

    open(my $fh, '-|', @cmd) or die "wrk: $!";
    local $/;
    my $out = <$fh>;
    close $fh;

    my $wall = time - $t0;
    my @c1 = (POSIX::times())[3, 4];
    my $ng1 = proc_cpu(@pids);
    my ($busy1, $all1) = machine_cpu();

    my %r;
    ($r{requests}, $r{secs}) = $out =~ /(\d+) requests in ([\d.]+)(\w+)/;
    die "wrk gave no result:\n$out" unless defined $r{requests};
    $r{secs} *= 60 if $out =~ /requests in [\d.]+m/;
    ($r{rps}) = $out =~ /Requests\/sec:\s*([\d.]+)/;
    ($r{bad}) = $out =~ /Non-2xx or 3xx responses:\s*(\d+)/;
    $r{bad} //= 0;
    my ($sock) = $out =~ /Socket errors: (.*)/;
    my @err = ($sock // '') =~ /(\d+)/g;
    $r{errors} = 0;
    $r{errors} += $_ for @err;
    $r{lat_avg} = ms($out =~ /Latency\s+([\d.]+\w+)/);
    $r{lat_p50} = ms($out =~ /^\s+50%\s+([\d.]+\w+)/m);
    $r{lat_p99} = ms($out =~ /^\s+99%\s+([\d.]+\w+)/m);
    $r{nginx} = ($ng1 - $ng0) / $wall;
    $r{us} = $r{rps} ? $r{nginx} / $r{rps} * 1e6 : 0;
    $r{wrk} = (($c1[0] + $c1[1]) - ($c0[0] + $c0[1])) / $CLK_TCK / $wall;
    $r{others} = (($busy1 - $busy0) / $wall) - $r{nginx} - $r{wrk};
    $r{others} = 0 if $r{others} < 0;
    $r{load} = (split ' ', loadavg())[0];
    $r{raw} = $out;
    return \%r;
}

sub ms {
    my ($v) = @_;
    return undef unless defined $v;
    my ($n, $u) = $v =~ /([\d.]+)(\w+)/;
    return $u eq 'us' ? $n / 1000 : $u eq 'ms' ? $n : $u eq 's' ? $n * 1000
        : $n * 60000;
}

sub median {
    my @v = sort { $a <=> $b } @_;
    return undef unless @v;
    return @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}

# runs each named case `rounds` times, alternating, and returns for each
# the median run (by requests per second) and all runs
sub compare {
    my (%o) = @_;
    my @cases = @{ $o{cases} };          # [name, sub returning wrk()]
    my %runs;
    for my $round (1 .. $o{rounds}) {
        for my $c ($round % 2 ? @cases : reverse @cases) {
            my $r = $c->[1]->();
            push @{ $runs{ $c->[0] } }, $r;
            printf "  round %d %-28s %9.0f req/s  (nginx %.2f, wrk %.2f, "
                . "others %.2f CPU; load %s)%s\n", $round, $c->[0], $r->{rps},
                $r->{nginx}, $r->{wrk}, $r->{others}, $r->{load},
                $r->{bad} || $r->{errors}
                    ? "  $r->{bad} non-2xx, $r->{errors} socket errors" : ''
                if $o{verbose} // 1;
        }
    }
    my %med;
    for my $name (keys %runs) {
        my @s = sort { $a->{rps} <=> $b->{rps} } @{ $runs{$name} };
        $med{$name} = $s[$#s / 2];
        $med{$name}{all} = [map { $_->{rps} } @{ $runs{$name} }];
    }
    return \%med;
}

# an nginx location answering `return 200` with a body of exactly `size`
# bytes (configuration tokens are limited to 4 KiB: the body is built from
# variables of 2,000 bytes each)
sub baseline_location {
    my ($loc, $size, $type) = @_;
    $type //= 'application/json; charset=utf-8';
    my $chunk = 2000;
    my $n = int($size / $chunk);
    my $rest = $size - $n * $chunk;
    my $conf = "location $loc {\n    default_type \"$type\";\n";
    my $body = '';
    if ($n) {
        $conf .= '    set $onestop_bench_chunk "' . ('x' x $chunk) . "\";\n";
        $body = '${onestop_bench_chunk}' x $n;
    }
    $body .= 'y' x $rest;
    $conf .= "    return 200 \"$body\";\n}\n";
    return $conf;
}

# the module's Prometheus figures, as name{labels} => value
sub metrics {
    my ($t, $path) = @_;
    my $res = $t->get($path // '/metrics');
    my %m;
    for (split /\n/, $res->{content} // '') {
        next if /^#/;
        $m{$1} = $2 if /^(\S+)\s+([\d.eE+-]+)$/;
    }
    return \%m;
}

# LMDB's last transaction id: the number of commits so far
sub txn_id {
    my ($store) = @_;
    my ($id) = `mdb_stat -e $store 2>/dev/null`
        =~ /Last transaction ID:\s*(\d+)/;
    return $id // 0;
}

# fdatasync()s per second in `dir`, over `secs` seconds
sub fsync_rate {
    my ($tmp, $dir, $secs) = @_;
    my ($n, $t, $rate) = run_tool($tmp, 'fsync', $dir, $secs);
    return $rate;
}

sub fmt_int {
    my ($v) = @_;
    return '-' unless defined $v;
    my $s = sprintf('%.0f', $v);
    1 while $s =~ s/^(\d+)(\d{3})/$1,$2/;
    return $s;
}

sub fmt_ratio {
    my ($a, $b) = @_;
    return '-' unless $a && $b;
    return sprintf('%.2f', $a / $b);
}

# a table: header cells, then rows of cells; first column left-aligned
sub table {
    my ($head, @rows) = @_;
    my @w;
    for my $r ($head, @rows) {
        for my $i (0 .. $#$r) {
            my $l = length($r->[$i] // '');
            $w[$i] = $l if !defined $w[$i] || $l > $w[$i];
        }
    }
    my $line = sub {
        my ($r) = @_;
        my @c;
        for my $i (0 .. $#w) {
            my $v = $r->[$i] // '';
            push @c, $i == 0 ? sprintf("%-*s", $w[$i], $v)
                : sprintf("%*s", $w[$i], $v);
        }
        return '  ' . join('  ', @c) . "\n";
    };
    my $s = $line->($head);
    $s .= '  ' . join('  ', map { '-' x $_ } @w) . "\n";
    $s .= $line->($_) for @rows;
    print $s;
}

# wrk's script of single-record writes: a template record a line of the
# file args[1] (onestop_bench records), each request a new code (the
# template's with args[2], the thread and a counter)
sub single_lua {
    return <<'END';
local before, after = {}, {}
local n = 0
local counter = 1
local tag

function setup(thread)
    thread:set("id", counter)
    counter = counter + 1
end

function init(args)
    tag = args[2] .. "-" .. id .. "-"
    for line in io.lines(args[1]) do
        local a, b = line:match('^(.-"code":")[^"]*(".*)$')
        before[#before + 1] = a
        after[#after + 1] = b
    end
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
end

function request()
    n = n + 1
    local i = n % #before + 1
    return wrk.format(nil, nil, nil, before[i] .. tag .. n .. after[i])
end
END
}

1;
