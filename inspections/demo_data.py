"""The demo district's inspection year as data (`inspections.demo` builds it through the
services): skills, the list of check items (抽查事项清单), the inspectors of the bureau and its
partner departments, the year's 44 sampling plans (docs/domain.md §2, Appendix A: 44 graded
plans; joint plans whose departments add up to the 25 of the joint meeting), the draws and
the leads.

Department codes are the demo's (`credit_portal.demo.DEPARTMENTS`); industry codes GB/T
4754-2017 divisions (`enterprises.industries.DIVISIONS`); streets the register demo's
(`enterprises.demo.STREETS`). Ratios are percentages of a stratum's pool; class A keeps a floor
above zero (`inspections.rules.A_FLOOR_PERCENT`, docs/domain.md §7: classification exempts no
one), class D is drawn most (§1, §2: "taking their credit-risk class into account").
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- Skills --------------------------------------------------------------------------------------

# (code, name, English name)
SKILLS: list[tuple[str, str, str]] = [
    ("food", "食品安全检查", "Food safety"),
    ("special-equipment", "特种设备安全检查", "Special equipment safety"),
    ("drugs", "药品医疗器械化妆品检查", "Drugs, medical devices and cosmetics"),
    ("metrology", "计量监督", "Metrology"),
    ("quality", "产品质量监督", "Product quality"),
    ("environment", "生态环境执法", "Environmental enforcement"),
    ("fire", "消防监督检查", "Fire safety"),
    ("work-safety", "安全生产执法", "Work safety"),
    ("construction", "建筑市场监管", "Construction market"),
    ("health", "卫生监督", "Health inspection"),
    ("labour", "劳动保障监察", "Labour inspection"),
    ("transport", "交通运输执法", "Transport enforcement"),
    ("culture", "文化市场执法", "Culture market enforcement"),
]

# --- The list of check items (抽查事项清单) --------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    code: str
    department: str
    name: str
    name_en: str
    legal_basis: str
    subject: str
    content: str
    method: str  # InspectionItem.Method: desk, on_site, online
    checklist: tuple[str, ...]
    safety: bool = False
    skill: str = ""


I = ItemSpec  # noqa: E741 - a short name for the table below

ITEMS: list[ItemSpec] = [
    # The bureau (区市场监督管理局)
    I("amr-disclosure", "amr", "企业公示信息情况检查", "Information publicised by enterprises",
      "《企业信息公示暂行条例》第十四条；《市场主体登记管理条例实施细则》第六十六条",
      "各类企业", "年度报告、即时信息公示的真实性、及时性", "desk",
      ("年度报告是否按时报送", "股东及出资信息是否与实际一致", "行政许可取得、变更信息是否及时公示",
       "知识产权出质、行政处罚信息是否在20个工作日内公示")),
    I("amr-registration", "amr", "登记事项情况检查", "Registered particulars",
      "《市场主体登记管理条例》第三十八条；《市场主体登记管理条例实施细则》第六十六条",
      "各类市场主体", "住所（经营场所）、经营范围、法定代表人等登记事项", "on_site",
      ("实际经营场所是否与登记住所一致", "是否超出登记经营范围从事需许可的经营活动",
       "营业执照是否置于显著位置", "法定代表人、负责人是否与登记一致")),
    I("amr-ib-disclosure", "amr", "个体工商户年报公示信息检查",
      "Annual reports of individual businesses",
      "《个体工商户条例》第十二条；《促进个体工商户发展条例》第二十五条",
      "个体工商户", "年度报告报送与公示信息", "desk",
      ("年度报告是否报送", "经营者、经营场所信息是否真实", "从业人数、营业额填报是否合理")),
    I("amr-food-production", "amr", "食品生产企业监督检查", "Food producers",
      "《中华人民共和国食品安全法》第一百一十条；《食品生产经营监督检查管理办法》第十四条",
      "食品生产企业、小作坊", "生产许可、原料进货查验、生产过程控制、出厂检验", "on_site",
      ("食品生产许可证是否有效", "原辅料进货查验记录是否完整", "生产场所卫生及防虫防鼠设施",
       "出厂检验记录及留样", "标签标识是否符合食品安全标准"),
      safety=True, skill="food"),
    I("amr-food-sale", "amr", "食品销售者监督检查", "Food retailers and wholesalers",
      "《中华人民共和国食品安全法》第五十三条、第一百一十条",
      "食品销售者（含超市、便利店、批发部）", "进货查验、贮存条件、临期过期食品", "on_site",
      ("食品经营许可或备案", "进货查验和索证索票记录", "冷藏冷冻食品贮存温度",
       "是否销售过期、腐败变质食品", "散装食品标示"),
      safety=True, skill="food"),
    I("amr-catering", "amr", "餐饮服务食品安全检查", "Food safety in catering",
      "《中华人民共和国食品安全法》第五十五条、第五十六条；《餐饮服务食品安全操作规范》",
      "餐饮服务提供者", "从业人员健康、加工制作过程、餐用具清洗消毒", "on_site",
      ("从业人员健康证明", "原料贮存生熟分开", "餐用具清洗消毒设施运行",
       "食品添加剂使用公示", "明厨亮灶"),
      safety=True, skill="food"),
    I("amr-special-equipment", "amr", "特种设备使用单位监督检查", "Users of special equipment",
      "《中华人民共和国特种设备安全法》第三十三条、第五十七条",
      "电梯、锅炉、压力容器、场（厂）内机动车辆使用单位", "使用登记、定期检验、作业人员持证",
      "on_site",
      ("特种设备使用登记证", "定期检验合格标志是否在有效期内", "安全管理人员和作业人员持证上岗",
       "日常维护保养和自行检查记录", "应急预案和演练记录"),
      safety=True, skill="special-equipment"),
    I("amr-elevator", "amr", "电梯维护保养单位检查", "Lift maintenance companies",
      "《中华人民共和国特种设备安全法》第四十五条；《特种设备安全监察条例》第三十一条",
      "电梯维护保养单位", "维保资质、维保记录、应急救援响应", "on_site",
      ("维保人员持证情况", "每15日维保记录", "困人救援响应时间"),
      safety=True, skill="special-equipment"),
    I("amr-gas-cylinder", "amr", "气瓶充装单位监督检查", "Gas cylinder filling stations",
      "《中华人民共和国特种设备安全法》第四十九条；《气瓶安全技术规程》",
      "气瓶充装单位", "充装许可、充装前后检查、追溯信息", "on_site",
      ("充装许可证有效期", "充装前后检查记录", "气瓶追溯标签"),
      safety=True, skill="special-equipment"),
    I("amr-metrology", "amr", "强制检定计量器具使用检查",
      "Measuring instruments subject to verification",
      "《中华人民共和国计量法》第九条；《中华人民共和国强制检定的工作计量器具检定管理办法》",
      "使用强制检定计量器具的经营者", "计量器具检定、在用计量器具准确度", "on_site",
      ("电子计价秤、加油机是否按期检定", "检定合格标志", "是否使用不合格计量器具"),
      skill="metrology"),
    I("amr-product-quality", "amr", "产品质量监督抽查", "Product quality sampling",
      "《中华人民共和国产品质量法》第十五条；《产品质量监督抽查管理暂行办法》",
      "生产者、销售者", "抽取样品检验产品质量", "on_site",
      ("抽样单据完整", "样品封存", "产品执行标准", "检验报告"),
      skill="quality"),
    I("amr-ccc", "amr", "强制性产品认证检查", "Compulsory product certification (CCC)",
      "《中华人民共和国认证认可条例》第二十八条；《强制性产品认证管理规定》",
      "列入目录产品的生产者、销售者", "CCC证书和标志使用", "on_site",
      ("证书有效性", "认证标志使用", "产品与认证型号一致性"), skill="quality"),
    I("amr-price", "amr", "明码标价和价格行为检查", "Price marking and pricing conduct",
      "《中华人民共和国价格法》第十三条；《明码标价和禁止价格欺诈规定》",
      "商品经营者、服务提供者", "明码标价、价格欺诈", "on_site",
      ("商品和服务是否明码标价", "是否存在虚构原价", "收费项目公示")),
    I("amr-advertising", "amr", "广告发布行为检查", "Advertising",
      "《中华人民共和国广告法》第四十九条；《互联网广告管理办法》",
      "广告主、广告经营者、广告发布者", "广告内容真实合法、审查记录", "online",
      ("广告是否使用绝对化用语", "医疗、药品、保健食品广告审查批准文号", "广告业务承接登记和档案")),
    I("amr-pharmacy", "amr", "药品零售企业监督检查", "Retail pharmacies",
      "《中华人民共和国药品管理法》第九十九条；《药品经营和使用质量监督管理办法》",
      "药品零售企业", "药品经营许可、执业药师在岗、处方药销售", "on_site",
      ("药品经营许可证", "执业药师在岗", "处方药凭处方销售", "冷链药品储存"),
      safety=True, skill="drugs"),
    I("amr-medical-devices", "amr", "医疗器械经营企业检查", "Medical device traders",
      "《医疗器械监督管理条例》第七十条；《医疗器械经营监督管理办法》",
      "第二、三类医疗器械经营企业", "经营许可备案、进货查验、储存运输", "on_site",
      ("经营许可或备案凭证", "进货查验记录", "储存条件和温湿度记录"),
      safety=True, skill="drugs"),
    I("amr-cosmetics", "amr", "化妆品经营者检查", "Cosmetics traders",
      "《化妆品监督管理条例》第三十八条、第四十六条",
      "化妆品经营者", "进货查验、标签、特殊化妆品注册", "on_site",
      ("进货查验记录", "特殊化妆品注册证", "中文标签"), skill="drugs"),
    I("amr-online-trade", "amr", "网络交易经营者检查", "Online traders",
      "《中华人民共和国电子商务法》第十五条；《网络交易监督管理办法》第十二条",
      "网络交易经营者", "亮照经营、信息公示、七日无理由退货", "online",
      ("首页显著位置公示营业执照信息", "商品服务信息真实", "退货规则公示")),
    I("amr-contract", "amr", "合同格式条款检查", "Standard-form contract terms",
      "《合同行政监督管理办法》第六条、第七条",
      "使用格式条款的经营者", "格式条款是否排除消费者权利", "desk",
      ("是否免除或减轻经营者责任", "是否加重消费者责任", "是否排除消费者依法变更或解除合同的权利")),
    I("amr-trademark", "amr", "商标使用行为检查", "Use of trademarks",
      "《中华人民共和国商标法》第四十九条、第六十二条",
      "商标使用人、商标印制单位", "注册商标使用规范、商标印制", "on_site",
      ("注册商标标记使用", "是否自行改变注册商标", "商标印制业务登记")),
    # Partner departments
    I("eco-discharge", "eco", "排污许可执行情况检查", "Compliance with discharge permits",
      "《排污许可管理条例》第二十八条；《中华人民共和国环境保护法》第二十四条",
      "排污单位", "排污许可证载明事项、自行监测、执行报告", "on_site",
      ("排污许可证有效期", "污染防治设施正常运行", "自行监测数据", "执行报告按时提交"),
      skill="environment"),
    I("eco-hazardous-waste", "eco", "危险废物规范化管理检查", "Hazardous waste management",
      "《中华人民共和国固体废物污染环境防治法》第七十七条、第七十八条",
      "产生、收集、贮存危险废物的单位", "危险废物识别标志、管理台账、转移联单", "on_site",
      ("贮存场所识别标志", "管理计划和台账", "转移联单", "委托有资质单位处置"),
      skill="environment"),
    I("housing-site-safety", "housing", "建筑施工安全生产检查", "Building site safety",
      "《中华人民共和国建筑法》第四十五条；《安全生产许可证条例》第十四条",
      "建筑施工企业", "安全生产许可、施工现场安全管理", "on_site",
      ("安全生产许可证", "项目负责人和专职安全员到岗", "起重机械使用登记", "高处作业防护"),
      safety=True, skill="construction"),
    I("housing-property", "housing", "物业服务企业检查", "Property management companies",
      "《物业管理条例》第三十五条；《四川省物业管理条例》",
      "物业服务企业", "物业服务合同履行、收费公示、共用设施维护", "on_site",
      ("服务内容和收费标准公示", "共用部位维修记录", "公共收益公开")),
    I("transport-road-freight", "transport", "道路货物运输经营者检查", "Road freight operators",
      "《中华人民共和国道路运输条例》第二十四条、第七十条",
      "道路货物运输经营者", "经营许可、车辆技术状况、驾驶员从业资格", "on_site",
      ("道路运输经营许可证", "车辆年审和技术等级评定", "驾驶员从业资格证", "动态监控"),
      skill="transport"),
    I("transport-vehicle-repair", "transport", "机动车维修经营者检查", "Vehicle repair shops",
      "《机动车维修管理规定》第四十条",
      "机动车维修经营者", "备案、维修质量、配件登记", "on_site",
      ("维修经营备案", "维修合同和结算清单", "配件采购登记"), skill="transport"),
    I("emergency-hazchem", "emergency", "危险化学品经营企业安全检查",
      "Traders in hazardous chemicals",
      "《危险化学品安全管理条例》第六条、第三十三条",
      "危险化学品经营企业", "经营许可、储存场所、安全技术说明书", "on_site",
      ("危险化学品经营许可证", "储存场所安全距离", "安全技术说明书和标签", "应急器材"),
      safety=True, skill="work-safety"),
    I("emergency-industry", "emergency", "工贸企业安全生产检查",
      "Work safety in industry and trade",
      "《中华人民共和国安全生产法》第六十五条",
      "工贸行业生产经营单位", "安全生产责任制、隐患排查、培训", "on_site",
      ("安全生产责任制", "隐患排查治理台账", "特种作业人员持证", "有限空间作业审批"),
      safety=True, skill="work-safety"),
    I("fire-public-venues", "fire", "公众聚集场所消防安全检查", "Fire safety of public venues",
      "《中华人民共和国消防法》第十六条、第五十三条",
      "公众聚集场所", "消防设施、疏散通道、安全出口", "on_site",
      ("消防设施器材完好有效", "疏散通道和安全出口畅通", "消防安全责任人和管理人",
       "员工消防培训记录"),
      safety=True, skill="fire"),
    I("hrss-employment", "hrss", "用人单位劳动用工检查", "Employment practices",
      "《劳动保障监察条例》第十一条；《保障农民工工资支付条例》第五十条",
      "用人单位", "劳动合同、工资支付、工时制度", "desk",
      ("劳动合同签订", "工资按时足额支付", "农民工工资专用账户"), skill="labour"),
    I("health-public-venues", "health", "公共场所卫生监督检查", "Hygiene of public venues",
      "《公共场所卫生管理条例》第十四条；《公共场所卫生管理条例实施细则》",
      "住宿、美容美发、沐浴等公共场所", "卫生许可、从业人员健康、空气水质", "on_site",
      ("卫生许可证", "从业人员健康合格证明", "公共用品用具消毒"), skill="health"),
    I("health-water-supply", "health", "生活饮用水供水单位卫生检查", "Drinking water suppliers",
      "《中华人民共和国传染病防治法》第二十九条；《生活饮用水卫生监督管理办法》",
      "集中式供水、二次供水单位", "卫生许可、水质检测、设施卫生", "on_site",
      ("供水单位卫生许可证", "水质检测报告", "二次供水设施清洗消毒"), skill="health"),
    I("water-abstraction", "water", "取水许可执行情况检查", "Water abstraction permits",
      "《取水许可和水资源费征收管理条例》第四十三条",
      "取用水单位", "取水许可、计量设施", "on_site",
      ("取水许可证", "取水计量设施", "年度取水计划执行")),
    I("culture-entertainment", "culture", "娱乐场所经营检查", "Entertainment venues",
      "《娱乐场所管理条例》第二十三条；《娱乐场所管理办法》",
      "歌舞、游艺娱乐场所", "许可证、曲库内容、未成年人保护", "on_site",
      ("娱乐经营许可证", "曲目内容合规", "未成年人禁入标志"), skill="culture"),
    I("culture-travel-agency", "culture", "旅行社经营行为检查", "Travel agencies",
      "《中华人民共和国旅游法》第八十三条；《旅行社条例》",
      "旅行社及其分支机构", "业务经营许可、旅游合同、导游委派", "desk",
      ("旅行社业务经营许可证", "旅游合同", "质量保证金")),
    I("edu-training", "edu", "校外培训机构检查", "Private tutoring providers",
      "《中华人民共和国民办教育促进法》第六十二条；《校外培训行政处罚暂行办法》",
      "校外培训机构", "办学许可、收费、预收费资金监管", "on_site",
      ("办学许可证", "收费公示", "预收费资金进入监管账户")),
    I("agri-pesticides", "agri", "农药经营者检查", "Pesticide traders",
      "《农药管理条例》第二十四条、第二十七条",
      "农药经营者", "经营许可、购销台账、限制使用农药", "on_site",
      ("农药经营许可证", "采购和销售台账", "限制使用农药实名购买")),
    I("agri-seeds", "agri", "种子经营检查", "Seed traders",
      "《中华人民共和国种子法》第三十八条、第四十一条",
      "种子经营者", "备案、标签和使用说明、经营档案", "on_site",
      ("种子经营备案", "标签和使用说明", "经营档案")),
    I("commerce-prepaid-cards", "commerce", "单用途商业预付卡检查", "Single-purpose prepaid cards",
      "《单用途商业预付卡管理办法（试行）》第七条、第二十六条",
      "发行单用途预付卡的经营者", "发卡备案、预收资金存管", "desk",
      ("发卡备案", "预收资金存管", "购卡章程")),
    I("commerce-recycling", "commerce", "再生资源回收经营者检查", "Recycling businesses",
      "《再生资源回收管理办法》第七条、第十条",
      "再生资源回收经营者", "备案、收购登记", "on_site",
      ("回收经营备案", "生产性废旧金属收购登记")),
    I("tax-invoices", "tax", "发票使用情况检查", "Use of invoices",
      "《中华人民共和国发票管理办法》第二十条、第三十五条",
      "纳税人", "发票开具、取得、保管", "desk", ("按规定开具发票", "发票保管", "虚开发票风险")),
    I("finance-bookkeeping", "finance", "代理记账机构执业检查", "Bookkeeping agencies",
      "《代理记账管理办法》第十九条、第二十条",
      "代理记账机构", "执业许可、从业人员、业务档案", "desk",
      ("代理记账许可证书", "专职从业人员", "委托合同和业务档案")),
    I("justice-legal-services", "justice", "法律服务机构执业检查", "Legal service providers",
      "《基层法律服务所管理办法》第二十六条；《司法鉴定机构登记管理办法》",
      "基层法律服务所、司法鉴定机构", "执业许可、收费、执业档案", "desk",
      ("执业许可证", "收费公示", "执业档案")),
    I("civil-elderly-care", "civil", "养老机构服务安全检查", "Elderly care homes",
      "《养老机构管理办法》第三十七条",
      "养老机构", "备案、服务安全、膳食管理", "on_site",
      ("养老机构备案", "服务安全风险评估", "膳食卫生"), safety=True, skill="food"),
    I("psb-hotels", "psb", "旅馆业治安管理检查", "Hotels: public security",
      "《旅馆业治安管理办法》第六条",
      "旅馆、民宿", "旅客住宿登记、治安管理制度", "on_site",
      ("旅客住宿实名登记", "治安管理制度", "贵重物品保管")),
    I("stats-data-quality", "stats", "统计数据质量检查", "Quality of statistical returns",
      "《中华人民共和国统计法》第三十三条；《统计执法监督检查办法》",
      "统计调查对象", "统计台账、原始记录、报送数据", "desk",
      ("统计台账", "原始记录与报送数据一致", "统计人员")),
    I("medins-pharmacies", "medins", "定点医药机构医保基金使用检查",
      "Use of health-insurance funds",
      "《医疗保障基金使用监督管理条例》第二十二条",
      "医保定点零售药店、诊所", "医保结算、进销存、串换药品", "on_site",
      ("医保结算记录", "药品进销存", "是否串换药品")),
    I("tobacco-retail", "tobacco", "烟草专卖零售许可持证经营检查", "Tobacco retail licences",
      "《中华人民共和国烟草专卖法实施条例》第十四条",
      "卷烟零售户", "零售许可证、进货渠道、向未成年人售烟", "on_site",
      ("烟草专卖零售许可证", "从当地烟草批发企业进货", "不向未成年人售烟标志")),
    I("urban-signs", "urban", "户外广告和招牌设置检查", "Shop signs and outdoor advertising",
      "《城市市容和环境卫生管理条例》第十一条；《成都市户外广告和招牌设置管理条例》",
      "沿街经营者", "招牌设置、占道经营", "on_site",
      ("招牌设置牢固规范", "不占道经营", "门前三包")),
    I("drc-energy", "drc", "固定资产投资项目节能审查落实检查",
      "Energy-review conditions of projects",
      "《中华人民共和国节约能源法》第十五条；《固定资产投资项目节能审查办法》",
      "固定资产投资项目建设单位", "节能审查意见落实", "desk",
      ("节能审查意见", "主要用能设备", "能源计量器具配备")),
    I("sti-energy", "sti", "工业企业节能监察", "Industrial energy conservation",
      "《中华人民共和国节约能源法》第十二条；《工业节能监察办法》",
      "重点用能工业企业", "能耗限额标准执行、淘汰落后设备", "on_site",
      ("单位产品能耗限额", "淘汰落后机电设备", "能源利用状况报告")),
    I("nrp-land-use", "nrp", "建设用地规划许可执行检查", "Land-use and planning permits",
      "《中华人民共和国城乡规划法》第四十条；《中华人民共和国土地管理法》",
      "建设单位", "用地和规划许可、按图施工", "on_site",
      ("建设用地规划许可证", "建设工程规划许可证", "按规划条件建设")),
]  # fmt: skip

# --- Inspectors ----------------------------------------------------------------------------------

# Demo logins that are also inspectors (credit_portal.demo.STAFF): username -> skills. The
# `inspector` login opens the task list with tasks of its own.
LOGIN_INSPECTORS: dict[str, tuple[str, ...]] = {
    "inspector": ("food", "special-equipment", "metrology"),
    "inspector2": ("food", "quality", "drugs"),
    "env-inspector": ("environment",),
}
# Further inspectors per department: (department, how many, skills cycled over them). No
# login: their passwords are unusable; they exist to be drawn.
ROSTER: list[tuple[str, int, tuple[tuple[str, ...], ...]]] = [
    ("amr", 24, (("food",), ("food", "drugs"), ("special-equipment",), ("metrology", "quality"),
                 ("food", "special-equipment"), ("quality",), ("drugs",), ())),
    ("eco", 4, (("environment",),)),
    ("fire", 4, (("fire",),)),
    ("health", 4, (("health",), ("health", "food"))),
    ("emergency", 4, (("work-safety",),)),
    ("housing", 3, (("construction",), ())),
    ("transport", 3, (("transport",),)),
    ("culture", 3, (("culture",), ())),
    ("hrss", 3, (("labour",),)),
    ("psb", 3, ((),)),
    ("civil", 2, (("food",), ())),
    ("edu", 2, ((),)),
    ("agri", 2, ((),)),
    ("commerce", 2, ((),)),
    ("tax", 2, ((),)),
    ("finance", 2, ((),)),
    ("justice", 2, ((),)),
    ("stats", 2, ((),)),
    ("medins", 2, ((),)),
    ("tobacco", 2, ((),)),
    ("urban", 3, ((),)),
    ("water", 2, ((),)),
    ("drc", 2, ((),)),
    ("sti", 2, ((),)),
    ("nrp", 2, ((),)),
]  # fmt: skip
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
)
GIVEN = ("建华", "志强", "晓燕", "海涛", "丽萍", "永刚", "文静", "国平", "春梅", "小军",
         "明亮", "红英", "德胜", "雪梅", "宏伟", "秀兰", "光辉", "玉洁", "成林",
         "佳怡")  # fmt: skip
# Recusals (APL art. 43): (origin, reason); each recorded for an inspector of the bureau and a
# firm of a plan's pool.
RECUSALS: list[tuple[str, str]] = [
    ("declared", "检查人员配偶系该企业股东，本人申请回避。"),
    ("requested", "当事人以检查人员曾参与该企业投诉调解为由申请回避，经审查予以准许。"),
    ("decided", "检查人员近亲属在该企业任财务负责人，经局长决定回避。"),
    ("declared", "检查人员曾在该企业任职，离职未满三年，本人申请回避。"),
]

# --- Sampling plans ------------------------------------------------------------------------------

# Ratio profiles by stratum (percent of the stratum's pool; `inspections.models.Stratum`):
# class A at its floor or just above, D the highest; individual businesses (not classified)
# and entities without their last annual report a stratum each.
PROFILES: dict[str, dict[str, str]] = {
    # Safety-sensitive sectors: drawn hardest.
    "key": {"A": "1.00", "B": "5.00", "C": "10.00", "D": "30.00", "X": "5.00", "IB": "1.00",
            "NR": "10.00"},
    "general": {"A": "0.50", "B": "2.00", "C": "5.00", "D": "15.00", "X": "2.00", "IB": "1.00",
                "NR": "5.00"},
    "light": {"A": "0.50", "B": "1.00", "C": "3.00", "D": "10.00", "X": "1.00", "IB": "0.50",
              "NR": "3.00"},
    # The control draw (docs/architecture.md "Inspections"): low-risk firms only, B (the fewer)
    # at a higher ratio, so that both classes give enough results to compare.
    "control": {"A": "0.50", "B": "2.00"},
}  # fmt: skip
# Checks per year by stratum (default 1): D twice.
FREQUENCY = {"D": 2}

IB_ONLY = ["individual_business"]
FIRMS = ["company", "branch", "partnership", "sole_proprietorship", "farmers_coop"]
URBAN_STREETS = ["东升街道", "西航港街道", "怡心街道"]
RURAL_TOWNS = ["黄水镇", "彭镇", "永安镇"]
MANUFACTURING = ["13", "14", "15", "21", "26", "29", "30", "33", "34", "35", "36", "38", "39"]


@dataclass(frozen=True)
class PlanSpec:
    key: str  # the demo's own name for the plan (its code is "<year>-<nn>")
    name: str
    name_en: str
    lead: str
    items: tuple[str, ...]
    profile: str
    departments: tuple[str, ...] = ()  # partner departments (the lead is added)
    industries: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()
    entity_types: tuple[str, ...] = ()
    from_month: int = 1  # the plan runs from the first of this month to 31 December
    control: bool = False
    min_inspectors: int = 2
    note: str = ""
    strata: tuple[str, ...] = field(default=())  # restrict the profile's strata


P = PlanSpec
PLANS: list[PlanSpec] = [
    # The bureau's own plans
    P("disclosure", "企业公示信息抽查（不定向）", "Publicised information of enterprises (all)",
      "amr", ("amr-disclosure", "amr-registration"), "light", entity_types=tuple(FIRMS),
      strata=("A", "B", "C", "D", "X", "NR")),
    P("ib-disclosure", "个体工商户年报公示信息抽查", "Annual reports of individual businesses",
      "amr", ("amr-ib-disclosure",), "light", entity_types=tuple(IB_ONLY), strata=("IB",)),
    P("food-production", "食品生产企业监督检查", "Food producers", "amr",
      ("amr-food-production",), "key", industries=("13", "14", "15")),
    P("food-sale", "食品销售监督检查", "Food retail and wholesale", "amr", ("amr-food-sale",),
      "key", industries=("51", "52")),
    P("catering", "餐饮服务食品安全监督检查", "Food safety in catering", "amr", ("amr-catering",),
      "key", industries=("62",)),
    P("special-equipment", "特种设备使用单位监督检查", "Users of special equipment", "amr",
      ("amr-special-equipment",), "key", industries=("34", "35", "43", "61", "70"),
      entity_types=tuple(FIRMS), strata=("A", "B", "C", "D", "X", "NR")),
    P("lifts", "电梯维护保养单位检查", "Lift maintenance", "amr", ("amr-elevator",), "key",
      industries=("43", "81"), entity_types=tuple(FIRMS), strata=("A", "B", "C", "D", "X", "NR")),
    P("gas-cylinders", "气瓶充装单位监督检查", "Gas cylinder filling", "amr",
      ("amr-gas-cylinder",), "key", industries=("45", "51")),
    P("metrology", "集贸市场及加油站计量监督检查", "Measuring instruments in markets", "amr",
      ("amr-metrology",), "general", industries=("52",), from_month=7),
    P("product-quality", "重点工业产品质量监督抽查", "Quality of key industrial products", "amr",
      ("amr-product-quality", "amr-ccc"), "general", industries=tuple(MANUFACTURING)),
    P("pricing", "民生领域价格行为检查", "Pricing in everyday services", "amr", ("amr-price",),
      "light", industries=("52", "61", "62", "80")),
    P("advertising", "广告发布行为检查", "Advertising", "amr", ("amr-advertising",), "light",
      industries=("64", "72")),
    P("pharmacies", "药品零售企业监督检查", "Retail pharmacies", "amr", ("amr-pharmacy",), "key",
      industries=("52",), entity_types=tuple(FIRMS), strata=("A", "B", "C", "D", "X", "NR")),
    P("medical-devices", "医疗器械经营企业监督检查", "Medical device traders", "amr",
      ("amr-medical-devices",), "key", industries=("51",), entity_types=tuple(FIRMS),
      strata=("A", "B", "C", "D", "X", "NR")),
    P("cosmetics", "化妆品经营者检查", "Cosmetics traders", "amr", ("amr-cosmetics",), "general",
      industries=("52", "80")),
    P("online-trade", "网络交易经营者检查", "Online traders", "amr", ("amr-online-trade",),
      "general", industries=("64", "65")),
    P("contracts", "合同格式条款检查", "Standard-form contracts", "amr", ("amr-contract",),
      "light", industries=("70", "80")),
    P("trademarks", "商标使用行为检查", "Use of trademarks", "amr", ("amr-trademark",), "light",
      industries=("51", "52"), entity_types=tuple(FIRMS), strata=("A", "B", "C", "D", "X", "NR")),
    # Joint plans ("one visit, many items"; docs/domain.md §2)
    P("catering-joint", "城区餐饮业“一业一查”联合检查", "Catering in town: one check per industry",
      "amr", ("amr-catering", "fire-public-venues", "health-public-venues", "urban-signs"), "key",
      departments=("fire", "health", "urban"), industries=("62",), streets=tuple(URBAN_STREETS),
      min_inspectors=3),
    P("hotels-joint", "住宿业联合检查", "Hotels and guesthouses", "amr",
      ("amr-special-equipment", "psb-hotels", "fire-public-venues", "health-public-venues"), "key",
      departments=("psb", "fire", "health"), industries=("61",), min_inspectors=3),
    P("hazchem-joint", "危险化学品经营联合检查", "Traders in hazardous chemicals", "emergency",
      ("emergency-hazchem", "amr-gas-cylinder", "fire-public-venues", "eco-hazardous-waste"),
      "key", departments=("amr", "fire", "eco"), industries=("26", "45", "51"),
      entity_types=tuple(FIRMS), strata=("A", "B", "C", "D", "X", "NR"), min_inspectors=3),
    P("construction-joint", "建筑施工领域联合检查", "Building sites", "housing",
      ("housing-site-safety", "emergency-industry", "hrss-employment", "nrp-land-use"), "general",
      departments=("emergency", "hrss", "nrp"), industries=("47", "48", "49", "50"),
      min_inspectors=3),
    P("property-joint", "物业服务企业联合检查", "Property management", "housing",
      ("housing-property", "amr-elevator", "fire-public-venues"), "general",
      departments=("amr", "fire"), industries=("70",)),
    P("freight", "道路货物运输经营者检查", "Road freight", "transport",
      ("transport-road-freight",), "general", industries=("54", "58")),
    P("vehicle-repair-joint", "机动车维修行业联合检查", "Vehicle repair", "transport",
      ("transport-vehicle-repair", "eco-hazardous-waste", "amr-price"), "general",
      departments=("eco", "amr"), industries=("81",)),
    P("discharge", "排污单位排污许可执行情况检查", "Discharge permits", "eco", ("eco-discharge",),
      "general", industries=tuple(MANUFACTURING), entity_types=tuple(FIRMS),
      strata=("A", "B", "C", "D", "X", "NR")),
    P("hazardous-waste", "危险废物产生单位规范化管理检查", "Hazardous waste producers", "eco",
      ("eco-hazardous-waste",), "general", industries=("33", "36", "84")),
    P("employment", "用人单位劳动用工检查", "Employment practices", "hrss", ("hrss-employment",),
      "light", entity_types=("company", "branch"), strata=("A", "B", "C", "D", "X", "NR")),
    P("public-venues-hygiene", "公共场所卫生监督检查", "Hygiene of public venues", "health",
      ("health-public-venues",), "general", industries=("80", "89")),
    P("water-joint", "供水单位卫生与取水联合检查", "Water supply: hygiene and abstraction",
      "health", ("health-water-supply", "water-abstraction"), "general", departments=("water",),
      industries=("46",)),
    P("entertainment-joint", "娱乐场所联合检查", "Entertainment venues", "culture",
      ("culture-entertainment", "fire-public-venues", "psb-hotels"), "general",
      departments=("fire", "psb"), industries=("90",), min_inspectors=3),
    P("travel-agencies", "旅行社经营行为检查", "Travel agencies", "culture",
      ("culture-travel-agency",), "light", industries=("72",), entity_types=tuple(FIRMS),
      strata=("A", "B", "C", "D", "X", "NR")),
    P("tutoring-joint", "校外培训机构联合检查", "Private tutoring", "edu",
      ("edu-training", "amr-contract", "amr-price"), "general", departments=("amr",),
      industries=("83",)),
    P("farm-inputs-joint", "农资经营联合检查", "Farm inputs in the towns", "agri",
      ("agri-pesticides", "agri-seeds", "amr-product-quality"), "general",
      departments=("amr",), industries=("01", "03", "51", "52"), streets=tuple(RURAL_TOWNS)),
    P("prepaid-joint", "预付式消费联合检查", "Prepaid consumption", "commerce",
      ("commerce-prepaid-cards", "amr-contract"), "general", departments=("amr",),
      industries=("80", "83", "89")),
    P("recycling-joint", "再生资源回收行业联合检查", "Recycling", "commerce",
      ("commerce-recycling", "eco-hazardous-waste"), "light", departments=("eco",),
      industries=("51",), streets=tuple(RURAL_TOWNS)),
    P("invoices", "发票使用情况检查", "Use of invoices", "tax", ("tax-invoices",), "light",
      entity_types=("company",), strata=("A", "B", "C", "D", "X", "NR")),
    P("legal-bookkeeping-joint", "代理记账和法律服务机构联合检查",
      "Bookkeeping agencies and legal services", "finance",
      ("finance-bookkeeping", "justice-legal-services", "tax-invoices"), "light",
      departments=("justice", "tax"), industries=("72",), entity_types=tuple(FIRMS),
      strata=("A", "B", "C", "D", "X", "NR")),
    P("elderly-care-joint", "养老机构联合检查", "Elderly care homes", "civil",
      ("civil-elderly-care", "fire-public-venues", "health-public-venues", "amr-catering"), "key",
      departments=("fire", "health", "amr"), industries=("85",), min_inspectors=3),
    P("statistics", "统计数据质量检查", "Statistical returns", "stats", ("stats-data-quality",),
      "light", entity_types=("company",), industries=tuple(MANUFACTURING),
      strata=("A", "B", "C", "D", "X", "NR")),
    P("insurance-pharmacies-joint", "医保定点药店联合检查", "Pharmacies paid by health insurance",
      "medins", ("medins-pharmacies", "amr-pharmacy"), "key", departments=("amr",),
      industries=("52", "84")),
    P("tobacco-joint", "卷烟零售户联合检查", "Tobacco retailers", "tobacco",
      ("tobacco-retail", "amr-food-sale"), "light", departments=("amr",), industries=("52",),
      entity_types=tuple(IB_ONLY), strata=("IB",)),
    P("energy-joint", "重点用能单位节能联合监察", "Energy conservation", "sti",
      ("sti-energy", "drc-energy"), "light", departments=("drc",),
      industries=tuple(MANUFACTURING), entity_types=tuple(FIRMS),
      strata=("A", "B", "C", "D", "X", "NR")),
    P("control", "信用风险分类校验抽查（对照组）", "Control draw: do the classes predict?", "amr",
      ("amr-disclosure", "amr-registration"), "control", entity_types=tuple(FIRMS),
      control=True,
      note="对低风险（A、B类）企业按同一比例抽取，比较各类发现问题的比例，检验分类是否有效。"),
]  # fmt: skip

# --- Draws ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawSpec:
    key: str
    title: str
    plans: tuple[str, ...]  # PlanSpec keys
    outside_source: str
    end: str  # how far the demo takes it: committed, derived, revealed
    days_before: int  # the pool's as-of date: this many days before the demo's date
    control: bool = False
    redraw_of: str = ""
    reason: str = ""


DRAWS: list[DrawSpec] = [
    DrawSpec("batch1", "{year}年第一批食品安全“双随机”抽查（含城区餐饮联合检查）",
             ("catering-joint", "food-production"),
             "{year}年福彩3D第{issue}期开奖号码", "revealed", 120),
    DrawSpec("control", "{year}年信用风险分类校验抽查（对照组）", ("control",),
             "{year}年福彩3D第{issue}期开奖号码", "revealed", 110, control=True),
    DrawSpec("batch2-void", "{year}年第二批特种设备及住宿业联合抽查",
             ("special-equipment", "hotels-joint"),
             "{year}年福彩3D第{issue}期开奖号码", "committed", 45),
    DrawSpec("batch2", "{year}年第二批特种设备及住宿业联合抽查（重新抽取）",
             ("special-equipment", "hotels-joint"),
             "现场见证人掷骰子（三枚骰子，共五轮）", "derived", 40, redraw_of="batch2-void",
             reason="原定外部随机源（福彩3D该期）因系统故障延期开奖，经局务会研究，改用现场见证人"
                    "掷骰子作为外部随机源，重新抽取；原抽取记录保留。"),
    DrawSpec("batch3", "{year}年第三批产品质量与排污许可抽查", ("product-quality", "discharge"),
             "{year}年福彩3D第{issue}期开奖号码", "committed", 0),
]  # fmt: skip

# --- Leads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadSpec:
    kind: str  # report, complaint, referral
    channel: str  # web: from the public form, received on the demo's date
    days_ago: int  # received this many working days before the demo's date
    end: str  # the state the demo takes it to (`inspections.demo._lead_advance`)
    content: str
    industries: tuple[str, ...] = ()  # the entity it is about: one of these divisions
    items: tuple[str, ...] = ("amr-registration",)  # what a triggered inspection checks
    anonymous: bool = False
    reporter: str = ""  # a name given by the reporter (kept private)
    referring: str = ""  # department code of a referral
    free_subject: str = ""  # a subject not in the register (no enterprise)


L = LeadSpec
FOOD_SHOPS = ("52", "62")
LEADS: list[LeadSpec] = [
    # Reports of violations (举报): verified within 15 WD (once extendable by 15), a named
    # reporter told within 5 WD of the decision.
    L("report", "phone", 2, "received", "举报该店销售的散装熟食无标签，疑似过期。",
      industries=FOOD_SHOPS, reporter="张先生"),
    L("report", "web", 0, "received",
      "举报该公司在网店首页未公示营业执照信息，且商品宣传使用“最佳”“第一”等用语。",
      industries=("64", "65", "52"), anonymous=True),
    L("report", "letter", 6, "verifying", "举报该厂夜间偷排废水，附照片三张。",
      industries=("13", "14", "33"), reporter="李女士"),
    L("report", "letter", 12, "extended", "举报该公司以“内部认购”名义收取购房意向金后拒不退还。",
      industries=("70",), reporter="何先生"),
    L("report", "phone", 22, "overdue", "举报该超市电子秤缺斤少两，多名顾客反映。",
      industries=("52",), reporter="王先生"),
    L("report", "phone", 10, "case_opened", "举报该餐馆后厨卫生条件差，餐具未消毒，有老鼠出没。",
      industries=("62",), items=("amr-catering",), reporter="陈女士"),
    L("report", "phone", 9, "no_case", "举报该公司虚假宣传，经核查宣传内容有检测报告支持。",
      industries=("72", "75"), reporter="刘先生"),
    L("report", "visit", 8, "case_opened_untold", "举报该药店无执业药师在岗销售处方药。",
      industries=("52",), items=("amr-registration",), reporter="周女士"),
    L("report", "phone", 1, "received", "举报某无照流动摊贩在学校门口销售三无食品。",
      anonymous=True, free_subject="东升街道某小学门口流动摊贩"),
    # Consumer complaints (投诉): accepted or refused within 7 WD, mediation within 45 WD.
    L("complaint", "web", 0, "received", "投诉在该店购买的电饭煲使用一周即损坏，商家拒绝退换。",
      industries=("52",), reporter="赵女士"),
    L("complaint", "phone", 5, "refused",
      "投诉该公司售后服务态度差（双方已就同一纠纷向人民法院起诉）。",
      industries=("51", "52"), reporter="孙先生"),
    L("complaint", "phone", 6, "mediating", "投诉该健身房闭店后拒不退还预付会员费4800元。",
      industries=("89", "80"), reporter="吴先生"),
    L("complaint", "visit", 4, "agreed", "投诉该餐馆消费时被多收服务费，要求退还。",
      industries=("62",), reporter="郑女士"),
    L("complaint", "visit", 5, "violation_found",
      "投诉该培训机构虚假承诺“保过”，要求退费；调解中发现其未公示收费标准。",
      industries=("83", "72"), items=("amr-price", "amr-contract"), reporter="冯先生"),
    L("complaint", "phone", 3, "withdrawn", "投诉该快递网点丢失包裹，后商家主动赔偿。",
      industries=("54", "58"), reporter="曹女士"),
    # Referrals from other departments (移送), verified like reports.
    L("referral", "referral", 3, "received", "区税务局在检查中发现该公司住所无法联系，移送核查。",
      industries=("51", "72"), referring="tax"),
    L("referral", "referral", 6, "verifying",
      "区卫生健康局检查发现该美容店从事医疗美容，移送处理。",
      industries=("80",), referring="health"),
    L("referral", "referral", 7, "case_opened",
      "区消防救援大队检查发现该企业销售不合格灭火器，移送查处。",
      industries=("51", "52"), items=("amr-product-quality",), referring="fire"),
]  # fmt: skip

# The triggered inspections of the leads above: this many, the first, recorded by the
# `inspector` login and awaiting review; the others assigned (its task list).
TRIGGERED_RECORDED = 1
# The report about an enterprise login's own enterprise whose triggered inspection the demo
# publishes (`inspections.demo._Builder._login_showcase`), where no login was drawn.
LOGIN_LEAD = L(
    "report", "phone", 8, "case_opened",
    "举报该公司经营场所悬挂的营业执照信息与登记事项不一致。",
    items=("amr-registration",), anonymous=True,
)  # fmt: skip
