package Onestop::Test;

# The integration tests' harness: a real nginx (Debian's /usr/sbin/nginx
# with our dynamic module) on a free loopback port, in a private directory
# with the configuration each test writes; the CLI on the same store; a
# real redis-server when a test asks for one.  Core Perl only.

use strict;
use warnings;

use Cwd qw(abs_path);
use Encode ();
use File::Basename qw(dirname);
use File::Path qw(remove_tree);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

our $ROOT = abs_path(dirname(__FILE__) . '/../../..');
our $NGINX = $ENV{ONESTOP_NGINX} // '/usr/sbin/nginx';
our $CLI = "$ROOT/build/onestop";
our $MODULE = $ENV{ONESTOP_MODULE} // "$ROOT/build/ngx_http_onestop_module.so";

# every server a test started, stopped at the end whatever happens (the
# temporary directory with its pid file may be gone by then)
my %LIVE;

END {
    my $status = $?;
    # only the process that started them (not a test's forked child)
    my @mine = grep { $LIVE{$_} == $$ } keys %LIVE;
    for my $pid (@mine) {
        kill 'TERM', $pid;
    }
    for my $pid (@mine) {
        for (1 .. 100) {
            last unless kill 0, $pid;
            waitpid($pid, WNOHANG);
            sleep 0.05;
        }
        kill 'KILL', $pid if kill 0, $pid;
    }
    $? = $status;
}

sub new {
    my ($class, %args) = @_;
    my $dir = tempdir('onestop-test-XXXXXX', TMPDIR => 1,
        CLEANUP => !$ENV{ONESTOP_KEEP});
    chmod 0755, $dir;
    my $self = bless {
        owner => $$,
        dir => $dir,
        port => free_port(),
        workers => $args{workers} // 1,
        today => $args{today},
        ua => HTTP::Tiny->new(timeout => 30, max_redirect => 0,
            keep_alive => 0),
    }, $class;
    $ENV{ONESTOP_TODAY} = $self->{today} if defined $self->{today};
    return $self;
}

sub dir { $_[0]{dir} }
sub port { $_[0]{port} }
sub store { "$_[0]{dir}/store" }
sub url { "http://127.0.0.1:$_[0]{port}$_[1]" }

# a port below Linux's ephemeral range (32768-60999 by default): one a
# test finds free stays free until its server binds it, since no client
# connection of another test can be given it meanwhile
sub free_port {
    for (1 .. 50) {
        my $port = 20000 + int(rand(12700));
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
            LocalPort => $port, Proto => 'tcp', ReuseAddr => 1) or next;
        close $s;
        return $port;
    }
    die "no free port\n";
}

# write nginx.conf: the test gives what goes inside http { }, with
# %%PORT%%, %%STORE%% and %%DIR%% replaced
sub write_conf {
    my ($self, $http, %opt) = @_;
    my $dir = $self->{dir};
    mkdir "$dir/tmp";
    my $env = defined $self->{today} ? "env ONESTOP_TODAY;\n" : '';
    my $main = $opt{main} // '';
    my $conf = <<"END";
load_module $MODULE;
daemon on;
master_process on;
worker_processes $self->{workers};
pid $dir/nginx.pid;
error_log $dir/error.log notice;
$env$main
events { worker_connections 1024; }

http {
    default_type application/octet-stream;
    access_log $dir/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;

$http
}
END
    $conf =~ s/%%PORT%%/$self->{port}/g;
    $conf =~ s/%%STORE%%/$dir\/store/g;
    $conf =~ s/%%DIR%%/$dir/g;
    open(my $fh, '>', "$dir/nginx.conf") or die "$dir/nginx.conf: $!";
    print $fh $conf;
    close $fh;
    return $self;
}

# the handlers of the standard configuration, each at the path
# conf/onestop.conf serves it at, in the order they are written
our @HANDLERS = (
    [lookup => '/api/v1/dossiers/', 'onestop_lookup json;'],
    [lookup_page => '/tra-cuu', 'onestop_lookup html;'],
    [dashboard => '= /', 'onestop_dashboard;'],
    [stats => '/api/v1/stats', 'onestop_stats;'],
    [apologies => '/api/v1/apologies', 'onestop_apologies;'],
    [widget => '/widget/', 'onestop_widget;'],
    [metrics => '= /metrics', 'onestop_metrics;'],
    [ingest => '/api/v1/ingest/', 'onestop_ingest;'],
    [qr => '/qr/', 'onestop_qr;'],
    [receipt => '/receipt/', 'onestop_receipt;'],
    [resolve => '/q/', 'onestop_resolve;'],
    [evaluate => '/api/v1/evaluations', 'onestop_evaluate;'],
    # issue 15: the public catalog
    [catalog => '= /api/v1/catalog', 'onestop_catalog;'],
);

# the standard configuration, what goes inside http { } for write_conf:
# the store in the test's directory, a server on the test's port, and the
# handlers named in serve at their usual paths.  Options, for what tests
# vary:
#   serve => [names]    the handlers served (names of @HANDLERS); needed
#   map_size => '256m'  the store's map size (the default); undef or ''
#                       for the store's own default
#   zone => '8m'        onestop_zone onestop 8m (no zone by default)
#   keys => 0           no onestop_ingest_keys %%DIR%%/keys (on by default)
#   qr_key => 1         onestop_qr_key %%DIR%%/qr.key, and the public URL
#   public_url => URL   onestop_public_url (http://127.0.0.1:%%PORT%% with
#                       qr_key)
#   redis => 'ARGS'     onestop_redis ARGS
#   http => 'text'      more directives inside http { }
#   server => 'text'    more inside server { }: directives, locations
#   location => {name => 'text'}  more inside a handler's location
sub standard_conf {
    my ($self, %o) = @_;
    for my $opt (keys %o) {
        die "standard_conf: no option '$opt'\n" unless $opt =~ /^(?:serve
            |map_size|zone|keys|qr_key|public_url|redis|http|server
            |location)\z/x;
    }
    my %known = map { $_->[0] => 1 } @HANDLERS;
    my @serve = @{ $o{serve} // die "standard_conf: serve => [...]\n" };
    for my $name (@serve, keys %{ $o{location} // {} }) {
        die "standard_conf: no handler '$name'\n" unless $known{$name};
    }
    my %serve = map { $_ => 1 } @serve;
    my $map_size = exists $o{map_size} ? $o{map_size} : '256m';
    my $public_url = $o{public_url}
        // ($o{qr_key} ? 'http://127.0.0.1:%%PORT%%' : undef);

    my $http = '    onestop_store %%STORE%%'
        . (length($map_size // '') ? " map_size=$map_size" : '') . ";\n";
    $http .= "    onestop_zone onestop $o{zone};\n" if $o{zone};
    $http .= "    onestop_ingest_keys %%DIR%%/keys;\n" if $o{keys} // 1;
    $http .= "    onestop_qr_key %%DIR%%/qr.key;\n" if $o{qr_key};
    $http .= "    onestop_public_url $public_url;\n" if defined $public_url;
    $http .= "    onestop_redis $o{redis};\n" if defined $o{redis};
    $http .= indent($o{http}, 4) if defined $o{http};

    $http .= "\n    server {\n        listen 127.0.0.1:%%PORT%%;\n";
    $http .= indent($o{server}, 8) if defined $o{server};
    $http .= "\n";
    for my $h (@HANDLERS) {
        my ($name, $path, $directive) = @$h;
        next unless $serve{$name};
        my $more = $o{location}{$name};
        if (defined $more) {
            $http .= "        location $path {\n"
                . "            $directive\n" . indent($more, 12)
                . "        }\n";
        } else {
            $http .= "        location $path { $directive }\n";
        }
    }
    $http .= "    }\n";
    return $http;
}

# a backup that stalled: "mdb_copy STORE" writing into a pipe of
# PIPE_SIZE bytes nobody reads, which keeps its read transaction (and,
# while its meta pages do not fit, the writers' lock); returns its pid
# and the pipe's end to give back to release_mdb_copy
sub stalled_mdb_copy {
    my ($store, $pipe_size) = @_;
    pipe(my $rd, my $wr) or die "pipe: $!";
    fcntl($wr, 1031, $pipe_size) or die "F_SETPIPE_SZ: $!";
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        close $rd;
        open(STDOUT, '>&', $wr) or exit 127;
        exec('mdb_copy', $store);
        exit 127;
    }
    close $wr;
    return ($pid, $rd);
}

sub release_mdb_copy {
    my ($pid, $rd) = @_;
    kill 'KILL', $pid;
    waitpid($pid, 0);
    close $rd;
}

# a shipped configuration, conf/NAME.conf ("onestop": the primary of make
# run; "follower": its read node), written as the test's nginx.conf with
# only what must move moved: the module built here, no user, its pid file
# and logs and var/ in the test's directory, its port the test's, the
# calendar beside it.  Options:
#   primary => PORT   the follower's primary (its upstream), else 8080 stays
#   redis => PORT     Redis's port (a follower's onestop_follow); without
#                     it the primary's onestop_redis line is taken out
sub write_shipped_conf {
    my ($self, $name, %o) = @_;
    my $dir = $self->{dir};
    my $conf = slurp("$ROOT/conf/$name.conf");
    die "write_shipped_conf: no conf/$name.conf\n" unless length $conf;
    $conf =~ s{^load_module .*$}{load_module $MODULE;}m;
    $conf =~ s{^user .*$}{}m;
    $conf =~ s{^pid .*$}{pid $dir/nginx.pid;}m;
    $conf =~ s{^error_log \S+}{error_log $dir/error.log}m;
    $conf =~ s{\bvar/follower-store\b}{$dir/store}g;
    $conf =~ s{\bvar/}{$dir/}g;
    $conf =~ s{server 127\.0\.0\.1:8080;}{server 127.0.0.1:$o{primary};}g
        if $o{primary};
    $conf =~ s{127\.0\.0\.1:808[01]\b}{127.0.0.1:$self->{port}}g;
    if ($o{redis}) {
        $conf =~ s{127\.0\.0\.1:6379}{127.0.0.1:$o{redis}}g;
    } else {
        $conf =~ s{^\s*onestop_redis .*$}{}mg;
    }
    mkdir "$dir/tmp";
    $self->spew('calendar-vn.txt', slurp("$ROOT/conf/calendar-vn.txt"));
    return $self->spew('nginx.conf', $conf);
}

# write the standard configuration; main => 'text' as for write_conf
sub write_standard_conf {
    my ($self, %o) = @_;
    my $main = delete $o{main};
    return $self->write_conf($self->standard_conf(%o),
        defined $main ? (main => $main) : ());
}

# text given to standard_conf at a depth: its lines keep their
# indentation relative to each other
sub indent {
    my ($text, $n) = @_;
    my @lines = split /\n/, $text;
    my ($min) = sort { $a <=> $b } map { /^( *)\S/ ? length $1 : () } @lines;
    $min //= 0;
    return join '', map {
        /\S/ ? (' ' x $n) . substr($_, $min) . "\n" : "\n"
    } @lines;
}

# nginx -t: returns (exit status, output)
sub test_conf {
    my ($self) = @_;
    my $out = `$NGINX -p $self->{dir}/ -c $self->{dir}/nginx.conf -t 2>&1`;
    return ($? >> 8, $out);
}

sub start {
    my ($self) = @_;
    my $out = `$NGINX -p $self->{dir}/ -c $self->{dir}/nginx.conf 2>&1`;
    if ($? != 0) {
        diag("nginx did not start: $out");
        return 0;
    }
    $self->{started} = 1;
    for (1 .. 100) {
        $self->{master} //= $self->pid;
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
            PeerPort => $self->{port}, Proto => 'tcp');
        if ($s) {
            close $s;
            $self->{master} = $self->pid // $self->{master};
            $LIVE{$self->{master}} = $$ if $self->{master};
            return 1;
        }
        sleep 0.05;
    }
    diag("nginx does not listen on port $self->{port}");
    return 0;
}

sub pid {
    my ($self) = @_;
    open(my $fh, '<', "$self->{dir}/nginx.pid") or return;
    my $pid = <$fh>;
    chomp $pid if defined $pid;
    return $pid;
}

sub worker_pids {
    my ($self) = @_;
    my $master = $self->pid or return ();
    my @pids = map { /^\s*(\d+)/ ? $1 : () }
        `ps -o pid= --ppid $master 2>/dev/null`;
    return @pids;
}

sub reload {
    my ($self) = @_;
    my $pid = $self->pid or return 0;
    my @old = $self->worker_pids;
    kill 'HUP', $pid;
    # wait for the old workers to go
    for (1 .. 200) {
        my %now = map { $_ => 1 } $self->worker_pids;
        last unless grep { $now{$_} } @old;
        sleep 0.05;
    }
    return 1;
}

sub stop {
    my ($self, $sig) = @_;
    return unless $self->{started};
    my $pid = $self->pid // $self->{master};
    $self->{started} = 0;
    delete $LIVE{$self->{master}} if $self->{master};
    delete $LIVE{$pid} if $pid;
    $self->{master} = undef;
    return unless $pid;
    if (($sig // 'QUIT') eq 'KILL') {
        my @workers = $self->worker_pids;
        kill 'KILL', $pid, @workers;
        sleep 0.2;
        unlink "$self->{dir}/nginx.pid";
        return;
    }
    kill $sig // 'QUIT', $pid;
    for (1 .. 200) {
        last unless kill 0, $pid;
        sleep 0.05;
    }
}

# the CLI on this test's store: (exit status, stdout, stderr)
sub cli {
    my ($self, @args) = @_;
    my $input;
    if (@args && ref $args[-1] eq 'SCALAR') {
        $input = ${ pop @args };
    }
    my $dir = $self->{dir};
    my $in = "$dir/cli.in";
    open(my $fh, '>', $in) or die;
    print $fh $input // '';
    close $fh;
    my $cmd = join(' ', map { quote($_) } $CLI, '--store', $self->store,
        @args);
    system("$cmd <$in >$dir/cli.out 2>$dir/cli.err");
    my $rc = $? >> 8;
    return ($rc, slurp("$dir/cli.out"), slurp("$dir/cli.err"));
}

sub quote {
    my ($s) = @_;
    $s =~ s/'/'\\''/g;
    return "'$s'";
}

sub slurp {
    my ($file) = @_;
    open(my $fh, '<:raw', $file) or return '';
    local $/;
    my $data = <$fh>;
    return $data // '';
}

# a file of the test's directory; one whose name ends in .key (a QR key,
# a TLS key) is a secret, 0600 as nginx wants onestop_qr_key's; a keys
# file (onestop_ingest_keys) no other may change, whatever the umask
sub spew {
    my ($self, $name, $data) = @_;
    my $file = "$self->{dir}/$name";
    open(my $fh, '>:raw', $file) or die "$file: $!";
    print $fh $data;
    close $fh;
    chmod 0600, $file if $name =~ /\.key\z/ || $name =~ m{(?:^|/)keys\z};
    # the notifier's password and token files: the store owner's alone, or
    # refused (it reads them as that user)
    if ($name =~ /\.(?:pass|token)\z/) {
        my ($uid, $gid) = (stat $self->store)[4, 5];
        chown $uid, $gid, $file if defined $uid;
        chmod 0600, $file;
    }
    return $file;
}

# a page's form sent as a browser sends it (fields UTF-8, percent-encoded):
# (the response, its body decoded from UTF-8)
sub form {
    my ($self, $path, %f) = @_;
    my $body = join('&', map {
        my $v = Encode::encode('UTF-8', $f{$_});
        $v =~ s/([^A-Za-z0-9_.-])/sprintf('%%%02X', ord $1)/ge;
        "$_=$v" } sort keys %f);
    my $r = $self->http('POST', $path, headers => {
        'Content-Type' => 'application/x-www-form-urlencoded'}, body => $body);
    return ($r, Encode::decode('UTF-8', $r->{content}));
}

sub http {
    my ($self, $method, $path, %opt) = @_;
    my %o;
    $o{headers} = $opt{headers} if $opt{headers};
    $o{content} = $opt{body} if defined $opt{body};
    return $self->{ua}->request($method, $self->url($path), \%o);
}

sub get { my ($self, $path, %opt) = @_; $self->http('GET', $path, %opt) }

sub error_log { slurp("$_[0]{dir}/error.log") }

# no [alert], [crit] or [emerg] in error.log (as nginx-tests check)
sub check_log {
    my ($self) = @_;
    my @bad = grep { /\[(alert|crit|emerg)\]/ } split /\n/, $self->error_log;
    is(scalar(@bad), 0, 'no alert, crit or emerg in error.log')
        or diag(join("\n", @bad));
}

sub DESTROY {
    my ($self) = @_;
    return if ($self->{owner} // $$) != $$;     # a forked child's copy
    $self->stop if $self->{started};
    $self->stop_redis if $self->{redis_pid};
}

# a real redis-server on a free port
# args => [...]: more of redis-server's options (--requirepass PW)
sub start_redis {
    my ($self, %opt) = @_;
    $self->{redis_args} = $opt{args} if $opt{args};
    $opt{args} //= $self->{redis_args};
    my $port = $opt{port} // $self->{redis_port} // free_port();
    $self->{redis_port} = $port;
    my $dir = "$self->{dir}/redis";
    mkdir $dir;
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open(STDOUT, '>>', "$dir/redis.log");
        open(STDERR, '>&', \*STDOUT);
        exec('redis-server', '--port', $port, '--bind', '127.0.0.1',
            '--dir', $dir, '--save', '', '--appendonly', 'no',
            '--daemonize', 'no', @{ $opt{args} // [] });
        exit 127;
    }
    $self->{redis_pid} = $pid;
    $LIVE{$pid} = $$;
    for (1 .. 100) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
            PeerPort => $port, Proto => 'tcp');
        if ($s) { close $s; return $port; }
        sleep 0.05;
    }
    die "redis-server did not start\n";
}

sub redis_port { $_[0]{redis_port} }

sub stop_redis {
    my ($self) = @_;
    my $pid = delete $self->{redis_pid} or return;
    delete $LIVE{$pid};
    kill 'TERM', $pid;
    waitpid($pid, 0);
}

# /metrics' onestop_* series without labels: {name => value}
sub metrics {
    my ($self) = @_;
    my %m;
    for (split /\n/, $self->get('/metrics')->{content} // '') {
        $m{$1} = $2 if /^(onestop_\w+) (\S+)$/;
    }
    return \%m;
}

# $cond's first true value within $timeout seconds, or undef
sub wait_for {
    my ($timeout, $cond) = @_;
    my $end = Time::HiRes::time() + $timeout;
    while (Time::HiRes::time() < $end) {
        my $v = $cond->();
        return $v if $v;
        Time::HiRes::sleep(0.05);
    }
    return;
}

# the store's changes once the feed has published them all (its outbox
# empty), or undef after $timeout seconds
sub feed_caught_up {
    my ($self, $timeout) = @_;
    return wait_for($timeout // 15, sub {
        my $m = $self->metrics;
        defined $m->{onestop_redis_outbox_depth}
            && $m->{onestop_redis_outbox_depth} == 0
            && $m->{onestop_redis_published_seq}
               == $m->{onestop_store_changes_total}
            ? $m->{onestop_store_changes_total} : 0;
    });
}

# redis-cli against the test's redis
sub redis {
    my ($self, @args) = @_;
    my $cmd = join(' ', 'redis-cli', '-p', $self->{redis_port},
        map { quote($_) } @args);
    my $out = `$cmd 2>&1`;
    return $out;
}

# a small catalog and helpers to make records
sub catalog_json {
    return <<'END';
{"agencies": [
  {"id": "000.00.12.H36", "name": "Sở Tư pháp", "level": "province", "parent": null},
  {"id": "000.00.15.H36", "name": "Sở Xây dựng", "level": "province", "parent": null},
  {"id": "000.00.30.H36", "name": "UBND huyện Bến Lức", "level": "district", "parent": null},
  {"id": "000.30.01.H36", "name": "UBND thị trấn Bến Lức", "level": "commune", "parent": "000.00.30.H36"},
  {"id": "000.30.02.H36", "name": "UBND xã Thạnh Đức", "level": "commune", "parent": "000.00.30.H36"},
  {"id": "000.00.31.H36", "name": "UBND huyện Cần Giuộc", "level": "district", "parent": null},
  {"id": "000.31.01.H36", "name": "UBND xã Phước Lý", "level": "commune", "parent": "000.00.31.H36"}
 ],
 "fields": [
  {"id": "tu-phap", "name": "Tư pháp"},
  {"id": "xay-dung", "name": "Xây dựng"},
  {"id": "ho-tich", "name": "Hộ tịch"}
 ],
 "procedures": [
  {"id": "1.001234", "name": "Cấp phiếu lý lịch tư pháp", "field": "tu-phap"},
  {"id": "1.009999", "name": "Cấp giấy phép xây dựng", "field": "xay-dung"},
  {"id": "1.000894", "name": "Đăng ký khai sinh", "field": "ho-tich"}
 ]}
END
}

1;
