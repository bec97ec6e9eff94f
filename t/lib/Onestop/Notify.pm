package Onestop::Notify;

# The notifier's tests' helpers (issue 16): the sinks (an SMTP server
# from Debian's python3-aiosmtpd, HTTP servers for the SMS gateway and
# Zalo ZNS: t/lib/smtp_sink.py, t/lib/http_sink.py), the notifier's
# configuration, notifiers started and killed, and what reached the
# sinks.  Core Perl only.

use strict;
use warnings;

use Digest::SHA ();
use Encode qw(decode);
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use POSIX qw(WNOHANG strftime);
use Time::HiRes qw(sleep time);

use Onestop::Test;

my $ROOT = $Onestop::Test::ROOT;
my %LIVE;

END {
    local $?;
    my @mine = grep { $LIVE{$_} == $$ } keys %LIVE;
    kill 'KILL', $_ for @mine;
    waitpid($_, 0) for @mine;
}

sub new {
    my ($class, $t, %o) = @_;
    my $dir = $t->dir . '/notify';
    mkdir $dir;
    mkdir "$dir/journal";
    chmod 0777, $dir, "$dir/journal";
    return bless { t => $t, dir => $dir, pids => {}, n => 0 }, $class;
}

sub dir { $_[0]{dir} }

# a primary publishing n:log to a Redis of its own, an admin's key, the
# test catalog: the headers that write as the admin
sub primary {
    my ($t, $key) = @_;
    my $rport = $t->start_redis;
    $t->spew('keys', Digest::SHA::sha256_hex($key) . " * admin\n");
    my %admin = (Authorization => "Bearer $key");
    $t->write_standard_conf(serve => [qw(lookup ingest metrics)],
        redis => "127.0.0.1:$rport prefix=n interval=100 log=on");
    Test::More::ok($t->start, 'nginx starts')
        or Test::More::BAIL_OUT('no nginx');
    Test::More::is($t->http('POST', '/api/v1/ingest/catalog',
        headers => \%admin, body => Onestop::Test::catalog_json())->{status},
        200, 'catalog');
    return %admin;
}

sub spawn {
    my ($self, $name, $log, @cmd) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>>', $log);
        open(STDERR, '>>', $log);
        exec(@cmd) or die "exec @cmd: $!";
    }
    $LIVE{$pid} = $$;
    $self->{pids}{$name} = $pid;
    return $pid;
}

sub stop {
    my ($self, $name, $sig) = @_;
    my $pid = delete $self->{pids}{$name} or return;
    kill $sig // 'TERM', $pid;
    for (1 .. 200) {
        last if waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }
    kill 'KILL', $pid if kill 0, $pid;
    waitpid($pid, 0);
    delete $LIVE{$pid};
}

sub wait_file {
    my ($file, $secs) = @_;
    my $end = time + ($secs // 10);
    while (time < $end) {
        return 1 if -e $file;
        sleep 0.05;
    }
    return 0;
}

# the SMTP sink on a port (the same one again after a stop)
# (tls => 1: STARTTLS and authentication required, t/lib/smtp_sink.py)
sub start_smtp {
    my ($self, %o) = @_;
    $self->{smtp_port} //= Onestop::Test::free_port();
    unlink "$self->{dir}/smtp.ready";
    $self->spawn('smtp', "$self->{dir}/smtp.out", '/usr/bin/python3',
        "$ROOT/t/lib/smtp_sink.py", $self->{smtp_port}, $self->{dir},
        $o{tls} ? 'tls' : ());
    wait_file("$self->{dir}/smtp.ready", 20) or die "the SMTP sink did not start";
    return $self->{smtp_port};
}

# an HTTP sink: name 'sms' or 'zns'
sub start_http {
    my ($self, $name) = @_;
    $self->{"${name}_port"} //= Onestop::Test::free_port();
    unlink "$self->{dir}/$name.ready";
    $self->spawn($name, "$self->{dir}/$name.out", '/usr/bin/python3',
        "$ROOT/t/lib/http_sink.py", $self->{"${name}_port"}, $self->{dir},
        $name, $name eq 'zns' ? 'zns' : ());
    wait_file("$self->{dir}/$name.ready", 20)
        or die "the $name sink did not start";
    return $self->{"${name}_port"};
}

sub mode {
    my ($self, $name, $mode) = @_;
    Onestop::Test::spew($self->{t}, "notify/$name.mode", $mode // "");
}

# the configuration file: %o's lines override the defaults
# (zalo_templates: the [zalo] section's template.EVENT lines)
sub write_conf {
    my ($self, %o) = @_;
    my $file = "$self->{dir}/notify.conf";
    my $rport = $self->{t}->redis_port;
    my $sms = $o{sms_shape} // 'form';
    my $main = $o{main} // '';
    my $from = $o{from} // 'Bộ phận Một cửa tỉnh Long An <motcua@longan.gov.vn>';
    my $conf = <<"END";
# the notifier of t/notify.t
redis = 127.0.0.1:$rport
prefix = n
templates = $ROOT/conf/notify
lookup_url = https://dichvucong.longan.gov.vn/tra-cuu?code={{code}}
journal_dir = $self->{dir}/journal
block = 200
retry_base = 300
retry_cap = 3000
retry_max = 40
claim_idle = 1500
$main
END
    if ($self->{smtp_port}) {
        my $email = $o{email} // "starttls = no\n";
        $conf .= <<"END";
[email]
url = smtp://127.0.0.1:$self->{smtp_port}
${email}from = $from
from_address = motcua\@longan.gov.vn
timeout = 5000
END
    }
    if ($self->{sms_port} && $sms eq 'form') {
        $conf .= <<"END";
[sms]
url = http://127.0.0.1:$self->{sms_port}/send
method = POST
header = Content-Type: application/x-www-form-urlencoded
body = user=longan&to={{phone|url}}&text={{text|url}}&ref={{key|url}}
timeout = 5000
END
    } elsif ($self->{sms_port}) {
        $conf .= <<"END";
[sms]
url = http://127.0.0.1:$self->{sms_port}/api/sms/{{phone84|url}}
method = POST
header = Content-Type: application/json
header = Authorization: Bearer sms-gateway-token
body = {"to": "{{phone84|json}}", "message": "{{text|json}}", "request_id": "{{key|json}}"}
timeout = 5000
END
    }
    if ($self->{zns_port}) {
        Onestop::Test::spew($self->{t}, 'notify/zns.token',
            "zns-token-1\n") unless -e "$self->{dir}/zns.token";
        my $tpl = $o{zalo_templates} // "template.received = 201001\n"
            . "template.appointment = 201002\ntemplate.result = 201003\n"
            . "template.withdrawn = 201004\n";
        $conf .= <<"END";
[zalo]
url = http://127.0.0.1:$self->{zns_port}/message/template
token_file = $self->{dir}/zns.token
${tpl}timeout = 5000
END
    }
    open(my $fh, '>:raw', $file) or die "$file: $!";
    print $fh $conf;
    close $fh;
    chmod 0644, $file;
    return $file;
}

# a notifier (name: its consumer's too), started once its group is there
sub start_notifier {
    my ($self, $name, %o) = @_;
    my $file = $self->write_conf(%o, main => "consumer = $name\n"
        . ($o{main} // ''));
    my $log = "$self->{dir}/$name.log";
    my $before = -s $log // 0;
    $self->spawn($name, $log, $Onestop::Test::CLI, '--store',
        $self->{t}->store, 'notify', '--config', $file);
    my $end = time + 15;
    while (time < $end) {
        my $text = Onestop::Test::slurp($log);
        return 1 if length($text) > $before
            && substr($text, $before) =~ /reading n:log as/;
        sleep 0.05;
    }
    return 0;
}

sub log_text { Onestop::Test::slurp("$_[0]{dir}/$_[1].log") }

# the messages at the SMTP sink: [{rcpt, subject, body, message_id, from}]
sub mails {
    my ($self) = @_;
    my @out;
    for my $f (sort glob("$self->{dir}/mail/*.eml")) {
        my $raw = Onestop::Test::slurp($f);
        my ($head, $body) = split /\r?\n\r?\n/, $raw, 2;
        $head =~ s/\r?\n[ \t]+/ /g;
        my %h;
        for (split /\r?\n/, $head) {
            $h{lc $1} = $2 if /^([\w-]+):\s*(.*)$/;
        }
        push @out, {
            rcpt => $h{'x-rcpt'},
            subject => decode('MIME-Header', $h{subject} // ''),
            from => decode('MIME-Header', $h{from} // ''),
            message_id => $h{'message-id'},
            body => decode('UTF-8', decode_base64($body // '')),
        };
    }
    return \@out;
}

# the requests at an HTTP sink: [{method, path, headers, body}]
sub requests {
    my ($self, $name) = @_;
    my $json = JSON::PP->new->utf8;
    my @out;
    for my $line (split /\n/, Onestop::Test::slurp("$self->{dir}/$name.log")) {
        push @out, $json->decode($line);
    }
    return \@out;
}

sub wait_until {
    my ($secs, $cond) = @_;
    my $end = time + $secs;
    while (time < $end) {
        return 1 if $cond->();
        sleep 0.1;
    }
    return $cond->();
}

# today and now in Vietnam's time, for records the notifier tells
sub today { strftime('%Y-%m-%d', gmtime(time + 7 * 3600 + ($_[0] // 0) * 86400)) }
sub now_vn { strftime('%Y-%m-%dT%H:%M:%S+07:00', gmtime(time + 7 * 3600 - 60)) }

1;
